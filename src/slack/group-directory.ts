import type { webApi } from '@slack/bolt';
import { AppError } from '../domain/errors.js';
import { withTimeout } from '../support/deadline.js';
import type { GroupDirectory } from '../use-cases/ports.js';

/**
 * usergroups.users.list, cached briefly so a burst of button presses makes one call per group. Answers
 * within `budgetMs`: permission checks run before an ack, which Slack wants within 3 s.
 */
export class SlackGroupDirectory implements GroupDirectory {
  private readonly cache = new Map<string, { members: Promise<string[]>; expires: number }>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
    private readonly budgetMs = 2_000,
  ) {}

  membersOf(groupId: string): Promise<string[]> {
    const cached = this.cache.get(groupId);
    if (cached && cached.expires > this.now()) return this.withinBudget(groupId, cached.members);
    const members = this.fetch(groupId);
    this.cache.set(groupId, { members, expires: this.now() + this.ttlMs });
    members.catch(() => this.cache.delete(groupId));
    return this.withinBudget(groupId, members);
  }

  /** The look-up goes on (and fills the cache) even when this caller stops waiting for it. */
  private withinBudget(groupId: string, members: Promise<string[]>): Promise<string[]> {
    return withTimeout(
      members,
      this.budgetMs,
      () =>
        new AppError(
          'timeout',
          `Slack did not say in time who is in user group ${groupId}; try again in a moment.`,
        ),
    );
  }

  private async fetch(groupId: string): Promise<string[]> {
    try {
      const result = await this.client.usergroups.users.list({ usergroup: groupId });
      return result.users ?? [];
    } catch (error) {
      throw new AppError('unavailable', `Could not read the members of user group ${groupId} from Slack.`, {
        cause: error,
      });
    }
  }
}
