import type { JiraStandIn, StandInIssue } from './jira-stand-in.js';

/** The projects the playground's Jira holds, named after the services /devenv knows. */
export const SEEDED_PROJECTS = ['BLOG', 'TAG'] as const;

type Seed = [
  summary: string,
  type: 'Story' | 'Bug' | 'Task',
  status: 'Done' | 'In Progress' | 'To Do',
  version: '2.3' | '2.4' | '2.5' | null,
  assignee: string,
];

const CATEGORY: Record<Seed[2], StandInIssue['category']> = {
  Done: 'done',
  'In Progress': 'indeterminate',
  'To Do': 'new',
};

// Release 2.4 is nearly done (a few bugs still open, so the freeze gate has fixes to let through); 2.5 has
// just begun; 2.3 shipped. Assignees are the playground's Slack people.
const BLOG: Seed[] = [
  ['Draft posts autosave every 10 seconds', 'Story', 'Done', '2.4', 'dana'],
  ['Scheduled publishing in the author’s time zone', 'Story', 'Done', '2.4', 'dana'],
  ['RSS feed includes the cover image', 'Story', 'Done', '2.4', 'devon'],
  ['Comment threads fold after 20 replies', 'Story', 'Done', '2.4', 'devon'],
  ['Editor toolbar keyboard shortcuts', 'Task', 'Done', '2.4', 'dana'],
  ['Post preview renders code blocks without colours', 'Bug', 'Done', '2.4', 'quinn'],
  ['Slug collision when two posts share a title', 'Bug', 'In Progress', '2.4', 'dana'],
  ['Autosave loses the last edit when the tab closes', 'Bug', 'To Do', '2.4', 'devon'],
  ['Upgrade the markdown renderer', 'Task', 'Done', '2.4', 'devon'],
  ['Reading time shown on the post card', 'Story', 'In Progress', '2.5', 'dana'],
  ['Co-authors on a post', 'Story', 'To Do', '2.5', 'devon'],
  ['Series of posts with a table of contents', 'Story', 'To Do', '2.5', 'priya'],
  ['Archive page paginates by month', 'Story', 'Done', '2.3', 'dana'],
  ['Image captions', 'Story', 'Done', '2.3', 'devon'],
  ['Newsletter digest of the week’s posts', 'Story', 'To Do', null, 'priya'],
];

const TAG: Seed[] = [
  ['Tag suggestions while typing', 'Story', 'Done', '2.4', 'devon'],
  ['Merge two tags and keep their posts', 'Story', 'Done', '2.4', 'dana'],
  ['Tag pages list related tags', 'Story', 'Done', '2.4', 'devon'],
  ['Rename a tag without breaking old links', 'Task', 'Done', '2.4', 'dana'],
  ['Tags with accents are matched twice', 'Bug', 'Done', '2.4', 'ruth'],
  ['Tag cloud ignores hidden posts', 'Bug', 'In Progress', '2.4', 'devon'],
  ['Index tag names for search', 'Task', 'Done', '2.4', 'dana'],
  ['Followed tags in the reader’s feed', 'Story', 'In Progress', '2.5', 'devon'],
  ['Tag descriptions in markdown', 'Story', 'To Do', '2.5', 'dana'],
  ['Limit tags per post to 10', 'Task', 'To Do', '2.5', 'priya'],
  ['Trending tags of the week', 'Story', 'In Progress', '2.5', 'devon'],
  ['Tag autocomplete is case-sensitive', 'Bug', 'Done', '2.3', 'quinn'],
  ['Tag moderation queue', 'Story', 'To Do', null, 'maya'],
];

/**
 * Fills a fresh stand-in with the playground's Jira: two projects, versions 2.3 (released), 2.4 and 2.5,
 * and 28 tickets of every type and status.
 */
export function seedJira(jira: JiraStandIn): JiraStandIn {
  for (const [project, seeds] of [
    ['BLOG', BLOG],
    ['TAG', TAG],
  ] as const) {
    jira.addProject(project, '2.3', '2.4', '2.5');
    const shipped = jira.version(project, '2.3')!;
    shipped.released = true;
    shipped.releaseDate = '2026-11-02';
    jira.addIssues(project, seeds.length, (i) => {
      const [summary, type, status, version, assignee] = seeds[i - 1]!;
      return {
        summary,
        type,
        status,
        category: CATEGORY[status],
        fixVersions: version ? [version] : [],
        assignee,
      };
    });
  }
  return jira;
}
