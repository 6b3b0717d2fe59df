/** The notices' part of the wiring: how each outbox notice reaches Slack, Jira and the App Home. */
import type { Config } from '../config.js';
import { laterPendingOfKinds } from '../db/outbox.js';
import type { Metrics } from '../metrics.js';
import { withinBudget } from '../support/deadline.js';
import type { Logger } from '../logger.js';
import { SlackNoticeDelivery } from '../slack/notice-delivery.js';
import { scopeBlocks } from '../slack/blocks/scope.js';
import { loadScopeView } from '../use-cases/release-scope.js';
import { markReleasedInTracker } from '../use-cases/release-lifecycle.js';
import type { NoticeDeliverer } from '../outbox/relay.js';
import { managersToTell } from '../use-cases/release-calendar.js';
import { notesFor, type NotesDeps } from '../use-cases/release-notes.js';
import { loadHome } from '../use-cases/home.js';
import { notesParts } from '../slack/blocks/notes.js';
import { homeView } from '../slack/blocks/home.js';
import { HomePublisher, type HomePublisherSettings } from '../slack/home-publisher.js';
import { JIRA_DESCRIPTION_LIMIT_BYTES, notesMarkdown, notesShortForm } from '../domain/release-notes.js';
import type { ReleaseRow } from '../db/releases.js';
import type { SlackApp } from '../slack/app.js';
import type { JiraGateway } from '../jira/jira-gateway.js';
import type { Store } from '../db/database.js';
import type { Access, Clock, GroupDirectory, Notice, Outbox } from '../use-cases/ports.js';
import type { PostToResponseUrl } from '../slack/response-url.js';

/** How long the announcement may wait for the Jira scope section before it goes out without it. */
const SCOPE_SECTION_BUDGET_MS = 3_000;

/** What the outbox delivers through, and what the rest of the wiring needs of it. */
export interface NoticeWiring {
  slackDelivery: SlackNoticeDelivery;
  homes: HomePublisher;
  notesDeps: NotesDeps;
  managerPrincipals: string[];
  trackerDescription: ((release: ReleaseRow) => Promise<string | undefined>) | undefined;
  /** Each notice's deliverer: the Jira write-back, or Slack and then the App Home views. */
  route(notice: Notice): NoticeDeliverer;
}

/**
 * The notices' side of the wiring: Slack delivery with its sections (scope, notes, working hours, managers),
 * the Jira write-back after a ship, and the App Home views that follow whatever Slack was told.
 */
export function wireNotices(
  config: Config,
  parts: {
    store: Store;
    clock: Clock;
    logger: Logger;
    slack: SlackApp;
    jira: JiraGateway | undefined;
    groups: GroupDirectory;
    access: Access;
    metrics: Metrics;
    instance: string;
    postToResponseUrl: PostToResponseUrl;
    /** The outbox the write-back records its outcome through (made after the deliverers). */
    outbox: () => Outbox;
    homeSettings: Partial<HomePublisherSettings> | undefined;
  },
): NoticeWiring {
  const { store, clock, logger, slack, jira, groups, access, metrics, instance, postToResponseUrl } = parts;
  const slackDelivery = new SlackNoticeDelivery(
    slack.outboxClient,
    store,
    config.slack.releaseChannel,
    logger.child({ component: 'notices' }),
    postToResponseUrl,
    () => instance,
  );
  slackDelivery.addSection(async (release) => {
    const view = await withinBudget(loadScopeView(jira, release.version, logger), SCOPE_SECTION_BUDGET_MS);
    return view
      ? scopeBlocks(view, clock.now())
      : scopeBlocks({ kind: 'failed', problem: 'Jira did not answer in time' }, clock.now());
  });
  const notesDeps = { store, jira, logger, gatedEnvironments: config.gate.environments };
  slackDelivery.setNotes(async (release) => {
    const notes = await notesFor(notesDeps, release);
    return { parts: notesParts(notes, config.http.publicUrl), markdown: notesMarkdown(notes) };
  }, config.http.publicUrl);
  slackDelivery.onRefused((reason, recovered) => metrics.slackRefused(reason, recovered));
  slackDelivery.keepWorkingHours(clock, config.calendar.workingHours);
  const managerPrincipals = config.releaseManagers?.ids ?? [];
  slackDelivery.setManagers((releaseId) =>
    managersToTell({ store, groups, managerPrincipals, logger }, releaseId),
  );
  const trackerDescription =
    config.jira?.releaseNotes === 'description'
      ? async (release: ReleaseRow) =>
          notesShortForm(
            await notesFor(notesDeps, release),
            JIRA_DESCRIPTION_LIMIT_BYTES,
            release.announcementPermalink ?? `/release notes ${release.version} in Slack`,
          )
      : undefined;
  // The Jira write-back after a ship: one step (markReleased retries itself). Its outcome (and the thread
  // line's notice) commits with the step, so a restart after it never writes back or tells twice.
  const trackerDelivery: NoticeDeliverer = {
    deliver: async (notice: Notice, steps) => {
      if (notice.kind !== 'tracker_sync_requested' || steps.done > 0) return;
      // The description links the announcement: while it is still on its way, the write-back waits for it.
      if (
        trackerDescription &&
        (await laterPendingOfKinds(store, { id: 0, stream: `release:${notice.release.id}` }, [
          'release_frozen',
          'announcement_reposted',
        ]))
      )
        throw new AnnouncementPending();
      const outcome = await markReleasedInTracker(
        { store, clock, outbox: parts.outbox(), tracker: jira, trackerDescription },
        { userId: notice.actor },
        notice.release.id,
      );
      await steps.complete(outcome?.record);
    },
    classify: (error) =>
      error instanceof AnnouncementPending
        ? { kind: 'transient', reason: 'waiting for the announcement' }
        : { kind: 'transient', reason: `unexpected: ${(error as Error).message}` },
    deliveryFailed: () => Promise.resolve(),
  };
  const homes = new HomePublisher(
    slack.client,
    async (userId) =>
      homeView(await loadHome({ store, clock, access, gatedEnvironments: config.gate.environments }, userId)),
    logger.child({ component: 'app-home' }),
    { onRefused: (reason, recovered) => metrics.slackRefused(reason, recovered), ...parts.homeSettings },
  );
  // Whatever Slack was told, App Home viewers may see too: they get a (throttled) fresh view.
  const slackThenHomes: NoticeDeliverer = {
    deliver: async (notice, steps) => {
      await slackDelivery.deliver(notice, steps);
      homes.changed();
    },
    classify: (error) => slackDelivery.classify(error),
    deliveryFailed: (notice, reason, replyTo) => slackDelivery.deliveryFailed(notice, reason, replyTo),
  };
  return {
    slackDelivery,
    homes,
    notesDeps,
    managerPrincipals,
    trackerDescription,
    route: (notice) => (notice.kind === 'tracker_sync_requested' ? trackerDelivery : slackThenHomes),
  };
}

/** The Jira write-back waits for the announcement whose link it writes. */
class AnnouncementPending extends Error {
  constructor() {
    super('the announcement is not posted yet');
  }
}
