import { AppError } from '../domain/errors.js';
import type { Access, GroupDirectory } from './ports.js';

export interface ReleaseManagersSetting {
  everyone: boolean;
  ids: string[];
}

/** Every permission check happens here, on the server, for commands and button presses alike. */
export class AccessControl implements Access {
  constructor(
    private readonly managers: ReleaseManagersSetting | undefined,
    private readonly groups: GroupDirectory,
  ) {}

  async isReleaseManager(userId: string): Promise<boolean> {
    if (!this.managers) return false;
    if (this.managers.everyone) return true;
    return this.isAmong(userId, this.managers.ids);
  }

  async isNamedReleaseManager(userId: string): Promise<boolean> {
    if (!this.managers) return false;
    return this.isAmong(userId, this.managers.ids);
  }

  async requireReleaseManager(userId: string, action: string): Promise<void> {
    if (!this.managers) {
      throw new AppError(
        'not_configured',
        `Only release managers may ${action}, and none are configured: set RELEASE_MANAGERS (user or group IDs, or * for everyone).`,
      );
    }
    if (!(await this.isReleaseManager(userId))) {
      throw new AppError('forbidden', `Only release managers may ${action}. Ask one of them to do it.`);
    }
  }

  /** Whether the user is one of the given user IDs or in one of the given user groups. */
  async isAmong(userId: string, principals: readonly string[]): Promise<boolean> {
    if (principals.includes(userId)) return true;
    for (const groupId of principals.filter((p) => p.startsWith('S'))) {
      if ((await this.groups.membersOf(groupId)).includes(userId)) return true;
    }
    return false;
  }
}
