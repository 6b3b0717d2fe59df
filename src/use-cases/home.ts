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
  /** The reader may vote and has not voted on the current revision. */
  awaitsReader: boolean;
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
  deps: Pick<LifecycleDeps, 'store' | 'clock'> & { access: Access; gatedEnvironments: readonly string[] },
  userId: string,
): Promise<HomeModel> {
  const { views, liveDevenvs } = await openReleasesOverview(deps.store);
  const mayManage = await safely(() => deps.access.isReleaseManager(userId));
  const releases: HomeRelease[] = [];
  for (const view of views) {
    const { release } = view;
    const principals = (release.requiredRoles ?? []).flatMap((r) => r.members);
    const mayVote = isFrozen(release.state) && (await safely(() => deps.access.isAmong(userId, principals)));
    const tally = view.tally;
    const voted =
      tally !== undefined &&
      (tally.rejections.some((v) => v.voter === userId) ||
        tally.roles.some((r) => r.approvedBy.includes(userId)));
    releases.push({
      view,
      lateChanges: release.frozenAt ? await lateChangesOf(deps.store, release, deps.gatedEnvironments) : [],
      mayVote,
      awaitsReader: mayVote && !voted,
      mayManage,
    });
  }
  return {
    releases: orderForReader(releases),
    liveDevenvs,
    mine: await listDevenvs(deps, userId),
    calendar: await upcomingCalendar(deps),
  };
}

/** 0: waits for the reader's vote; 1: frozen or signed off; 2: planned. */
function urgency(item: HomeRelease): number {
  if (item.awaitsReader) return 0;
  return isFrozen(item.view.release.state) ? 1 : 2;
}

/** The date a release is heading for next: its ship once frozen, its freeze before. */
function nextDate(item: HomeRelease): number {
  const { release } = item.view;
  const at = isFrozen(release.state)
    ? (release.shipAt ?? release.freezeAt)
    : (release.freezeAt ?? release.shipAt);
  return at?.getTime() ?? Number.POSITIVE_INFINITY;
}

/**
 * What needs the reader first: releases waiting for their vote, then the other frozen and signed-off
 * ones, then planned ones; within each, the nearest date first (undated last, oldest created first).
 */
export function orderForReader(items: readonly HomeRelease[]): HomeRelease[] {
  return [...items].sort(
    (a, b) =>
      urgency(a) - urgency(b) ||
      nextDate(a) - nextDate(b) ||
      a.view.release.createdAt.getTime() - b.view.release.createdAt.getTime(),
  );
}
