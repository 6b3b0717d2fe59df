import type { webApi } from '@slack/bolt';
import { AppError } from '../domain/errors.js';
import type { GroupDirectory } from '../use-cases/ports.js';

/** usergroups.users.list, cached briefly so a burst of button presses makes one call per group. */
export class SlackGroupDirectory implements GroupDirectory {
  private readonly cache = new Map<string, { members: Promise<string[]>; expires: number }>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  membersOf(groupId: string): Promise<string[]> {
    const cached = this.cache.get(groupId);
    if (cached && cached.expires > this.now()) return cached.members;
    const members = this.fetch(groupId);
    this.cache.set(groupId, { members, expires: this.now() + this.ttlMs });
    members.catch(() => this.cache.delete(groupId));
    return members;
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
