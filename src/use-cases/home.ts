import type { Devenv } from '../domain/devenv/model.js';
import { isFrozen } from '../domain/release.js';
import type { LateChange } from '../domain/release-notes.js';
import { listDevenvs } from './show-devenvs.js';
import { openReleasesOverview, type ReleaseView } from './release-view.js';
import { upcomingCalendar, type CalendarEntry } from './release-calendar.js';
import { lateChangesOf } from './release-notes.js';
import type { Access, LifecycleDeps } from './ports.js';

export interface HomeRelease {
  view: ReleaseView;
  lateChanges: LateChange[];
  /** The reader is in one of its required roles and votes are open. */
  mayVote: boolean;
  mayManage: boolean;
}

/** What one person's App Home shows; buttons follow from what they may do (and are checked again on press). */
export interface HomeModel {
  releases: HomeRelease[];
  liveDevenvs: number;
  mine: Devenv[];
  calendar: CalendarEntry[];
}

/** A permission look-up that fails (Slack slow) hides the button; the press would be checked anyway. */
async function safely(check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check();
  } catch {
    return false;
  }
}

export async function loadHome(
  deps: Pick<LifecycleDeps, 'db' | 'clock'> & { access: Access; gatedEnvironments: readonly string[] },
  userId: string,
): Promise<HomeModel> {
  const { views, liveDevenvs } = openReleasesOverview(deps.db);
  const mayManage = await safely(() => deps.access.isReleaseManager(userId));
  const releases: HomeRelease[] = [];
  for (const view of views) {
    const { release } = view;
    const principals = (release.requiredRoles ?? []).flatMap((r) => r.members);
    const mayVote = isFrozen(release.state) && (await safely(() => deps.access.isAmong(userId, principals)));
    releases.push({
      view,
      lateChanges: release.frozenAt ? lateChangesOf(deps.db, release, deps.gatedEnvironments) : [],
      mayVote,
      mayManage,
    });
  }
  return { releases, liveDevenvs, mine: listDevenvs(deps, userId), calendar: upcomingCalendar(deps) };
}
