import { groupTickets, type ReleaseNotes } from '../../src/domain/release-notes.js';
import type { ScopeIssue } from '../../src/domain/scope.js';

/** A done ticket with no assignee or priority: what the notes need of a Jira issue. */
export function doneTicket(key: string, type: string, summary = key): ScopeIssue {
  return {
    key,
    summary,
    type,
    status: 'Done',
    statusCategory: 'done',
    assignee: null,
    priority: null,
  };
}

/** The notes of a released 2.4 with these tickets, links to jira.example, nothing late, no sign-off. */
export function releasedNotes(tickets: ScopeIssue[], overrides: Partial<ReleaseNotes> = {}): ReleaseNotes {
  return {
    version: '2.4',
    state: 'released',
    tickets: groupTickets(tickets),
    ticketsProblem: undefined,
    ticketUrl: (key) => `https://jira.example/browse/${key}`,
    lateChanges: [],
    signoffs: [],
    ...overrides,
  };
}
