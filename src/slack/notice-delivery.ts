// One cohesive thing, kept whole: the plan of Slack calls for every kind of outbox notice (each kind's steps read
// best side by side), with the size fallbacks they share.
import { describeChange } from '../domain/candidate.js';
import type { webApi } from '@slack/bolt';
import type { Store, Tx } from '../db/database.js';
import { findException, setExceptionMessage } from '../db/gate.js';
import {
  getReleaseById,
  setAnnouncement,
  setAnnouncementPermalink,
  lastFreezeEvent,
  setAnnouncementProblem,
  type ReleaseRow,
} from '../db/releases.js';
import type { Logger } from '../logger.js';
import type { DeliveryFailure, DeliverySteps, NoticeDeliverer } from '../outbox/relay.js';
import type { Clock, Notice, NoticeKind, ReleaseRef } from '../use-cases/ports.js';
import type { WorkingHours } from '../domain/calendar.js';
import { reminderDeferredUntil } from '../domain/schedule.js';
import { loadReleaseView } from '../use-cases/release-view.js';
import { isFrozen } from '../domain/release.js';
import { reminderStillWanted } from '../use-cases/release-calendar.js';
import { signoffReminderMessage } from './blocks/calendar.js';
import { actions, escapeText, mention, section, slackDate, type Block, type Reply } from './blocks/kit.js';
import { exceptionOutcomeLine, exceptionRequestMessage } from './blocks/exceptions.js';
import {
  announcementMessage,
  announcementMovedMessage,
  freezeAnnouncementIntro,
  freezeRule,
  voteLine,
} from './blocks/release.js';
import { ActionIds } from './ids.js';
import type { PostToResponseUrl } from './response-url.js';
import { channelRemedy, classifySlackError, refusedForSize, slackPlatformError } from './slack-errors.js';
import { reducedPart } from './blocks/notes.js';
import { NoticePoster } from './notice-poster.js';

/** Extra blocks other features contribute to the announcement (e.g. the Jira scope). */
export type AnnouncementSection = (release: ReleaseRow) => Promise<Block[]>;

/** A step that did not complete but changed the plan (a part split after Slack refused it as too long). */
const REPLANNED = Symbol('replanned');
type StepResult = ((tx: Tx) => Promise<void>) | { memo: unknown } | typeof REPLANNED | void;
type Step = () => Promise<StepResult>;

/** What the shipped notice remembers between attempts: the notes as they were at the first one. */
interface NotesMemo {
  notesParts: Reply[];
  /** The whole notes as Markdown, uploaded to the thread as a file where `files:write` is granted. */
  notesMarkdown?: string;
}

/** The notes at ship: the messages, and the same notes as a Markdown file. */
export interface ShippedNotes {
  parts: Reply[];
  markdown: string;
}

function notesMemo(memo: unknown): NotesMemo | undefined {
  return memo && typeof memo === 'object' && Array.isArray((memo as NotesMemo).notesParts)
    ? (memo as NotesMemo)
    : undefined;
}

/** Notices whose delivery ends with re-rendering the release's announcement from the database. */
const REFRESHING: readonly NoticeKind[] = [
  'release_unfrozen',
  'release_cancelled',
  'vote_recorded',
  'release_signed_off',
  'release_sign_off_revoked',
  'release_shipped',
  'revision_bumped',
];

/**
 * Turns notices into Slack messages: the freeze announcement is posted once and then updated in place;
 * each fact gets one line in its thread; people get DMs. One Slack call per step, so a retry never
 * repeats a call that went out.
 */
export class SlackNoticeDelivery implements NoticeDeliverer {
  private readonly sections: AnnouncementSection[] = [];
  private notes: ((release: ReleaseRow) => Promise<ShippedNotes>) | undefined;
  private refused: (reason: string, recovered: boolean) => void = () => undefined;
  private publicUrl: string | undefined;
  private managers: (releaseId: number) => Promise<string[]> = () => Promise.resolve([]);

  private readonly poster: NoticePoster;
  /** Scheduled reminders are sent inside these hours only, judged on this clock as they are sent. */
  private workingHours: { clock: Clock; hours: WorkingHours } | undefined;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly store: Store,
    private readonly channel: string,
    private readonly logger: Logger,
    private readonly postToResponseUrl: PostToResponseUrl,
    instance: () => string = () => 'default',
  ) {
    this.poster = new NoticePoster(client, instance, logger);
  }

  /** Why posts cannot be checked against Slack's history, if they cannot (readiness names it). */
  historyProblem(): string | undefined {
    return this.poster.historyProblem();
  }

  addSection(section: AnnouncementSection): void {
    this.sections.push(section);
  }

  /** The release notes posted in the thread at ship, as several messages and a file. */
  setNotes(notes: (release: ReleaseRow) => Promise<ShippedNotes>, publicUrl?: string): void {
    this.notes = notes;
    this.publicUrl = publicUrl;
  }

  keepWorkingHours(clock: Clock, hours: WorkingHours): void {
    this.workingHours = { clock, hours };
  }

  /** Counts messages Slack refused for their size: `recovered` when a smaller form went out instead. */
  onRefused(count: (reason: string, recovered: boolean) => void): void {
    this.refused = count;
  }

  /** Who hears of a problem with something the calendar did (nobody asked, so nobody else would). */
  setManagers(managers: (releaseId: number) => Promise<string[]>): void {
    this.managers = managers;
  }

  classify(error: unknown): DeliveryFailure {
    if (error instanceof OutsideWorkingHours)
      return { kind: 'deferred', reason: 'outside working hours', delayMs: error.delayMs };
    return classifySlackError(error);
  }

  async deliver(notice: Notice, steps: DeliverySteps): Promise<void> {
    // Planned again after every step: an earlier step may decide what the later ones are (the notes' parts).
    for (;;) {
      const plan = this.plan(notice, steps);
      if (steps.done >= plan.length) return;
      const result = await plan[steps.done]!();
      if (result === REPLANNED) continue;
      if (typeof result === 'function') await steps.complete(result);
      else await steps.complete(undefined, result?.memo);
    }
  }

  async deliveryFailed(notice: Notice, reason: string, replyTo: string | null): Promise<void> {
    if (notice.kind !== 'release_frozen' && notice.kind !== 'announcement_reposted') return;
    const remedy = channelRemedy(reason.replace(/^slack:/, ''), this.channel);
    const version = notice.release.version;
    try {
      await setAnnouncementProblem(this.store, notice.release.id, remedy ?? reason);
      const text =
        `:warning: *${escapeText(version)}* is frozen, but Slack refused its announcement (${reason.replace(/^slack:/, '')}). ` +
        (remedy ? `Fix: ${remedy}, ` : 'Fix the cause, ') +
        `then run \`/release announce ${version}\` to post it with live buttons.`;
      if (replyTo) await this.postToResponseUrl(replyTo, { response_type: 'ephemeral', text });
      else if (/^[UW]/.test(notice.actor))
        await this.client.chat.postMessage({ channel: notice.actor, text });
      else {
        for (const manager of await this.managers(notice.release.id))
          await this.client.chat.postMessage({ channel: manager, text });
      }
    } catch (error) {
      this.logger.error(
        { err: error, kind: notice.kind },
        'could not tell anyone that an announcement failed',
      );
    }
  }

  private plan(notice: Notice, steps: DeliverySteps): Step[] {
    const refresh =
      (ref: ReleaseRef): Step =>
      () =>
        this.refresh(ref, steps);
    switch (notice.kind) {
      case 'release_frozen':
        return [
          () => this.postAnnouncement(steps, notice.release),
          () => this.storePermalink(notice.release),
        ];
      case 'announcement_reposted':
        return this.repost(steps, notice.release, notice.previous);
      case 'release_unfrozen':
        return [
          this.thread(
            steps,
            notice.release,
            `:sunny: ${mention(notice.actor)} unfroze *${escapeText(notice.release.version)}*${notice.reason ? `: ${escapeText(notice.reason)}` : ''}. Services may take changes again.`,
          ),
          refresh(notice.release),
        ];
      case 'release_cancelled':
        return [
          this.thread(
            steps,
            notice.release,
            `:no_entry_sign: ${mention(notice.actor)} cancelled *${escapeText(notice.release.version)}*: ${escapeText(notice.reason)}`,
          ),
          refresh(notice.release),
        ];
      case 'vote_recorded':
        return [
          this.thread(steps, notice.release, voteLine(notice.actor, notice.vote)),
          refresh(notice.release),
        ];
      case 'release_signed_off':
        return [
          this.thread(
            steps,
            notice.release,
            `:white_check_mark: *${escapeText(notice.release.version)} is ready for production.* Release managers can ship it.`,
            true,
          ),
          refresh(notice.release),
        ];
      case 'release_sign_off_revoked':
        return [
          this.thread(
            steps,
            notice.release,
            `:leftwards_arrow_with_hook: *${escapeText(notice.release.version)}* is no longer signed off.`,
          ),
          refresh(notice.release),
        ];
      case 'release_shipped':
        return [
          this.thread(
            steps,
            notice.release,
            `:rocket: ${mention(notice.actor)} shipped *${escapeText(notice.release.version)}*. The freeze is lifted.` +
              (notice.trackerSync ? ' Marking the Jira versions released…' : ''),
            true,
          ),
          refresh(notice.release),
          ...this.notesSteps(notice.release, steps),
        ];
      case 'release_rescheduled': {
        const changes = [
          notice.freezeAt ? `freezes ${slackDate(new Date(notice.freezeAt))}` : undefined,
          notice.shipAt ? `ships ${slackDate(new Date(notice.shipAt))}` : undefined,
        ].filter(Boolean);
        return [
          this.thread(
            steps,
            notice.release,
            `:spiral_calendar_pad: ${mention(notice.actor)} rescheduled *${escapeText(notice.release.version)}*: it now ${changes.join(' and ')}.`,
          ),
          refresh(notice.release),
        ];
      }
      case 'scheduled_freeze_failed':
        return [
          this.dm(
            steps,
            notice.manager,
            `:warning: The scheduled freeze of *${escapeText(notice.release.version)}* (due ${slackDate(new Date(notice.dueAt))}) did not happen: ${notice.reason} Fix that, then run \`/release freeze ${notice.release.version}\`.`,
          ),
        ];
      case 'freeze_reminder':
        return [() => this.postFreezeReminder(steps, notice.release, new Date(notice.freezeAt))];
      case 'signoff_reminder':
        return [() => this.dmSignoffReminder(steps, notice)];
      case 'revision_bumped':
        return [
          this.thread(
            steps,
            notice.release,
            `:arrows_counterclockwise: *${escapeText(notice.release.version)}* moved to revision ${notice.release.revision}: ${escapeText(notice.cause)}.` +
              (notice.staleVoters.length > 0
                ? ` ${notice.staleVoters.map(mention).join(', ')}: your sign-off is now stale, please review and vote again.`
                : ''),
          ),
          refresh(notice.release),
        ];
      case 'candidate_drifted': {
        const line = driftLine(notice);
        return [
          this.thread(steps, notice.release, line, true),
          async () => {
            const managers = await this.managers(notice.release.id);
            for (const [part, manager] of managers.entries())
              await this.poster.post(steps, { channel: manager, text: line }, part);
          },
        ];
      }
      case 'tracker_synced':
        return [
          this.thread(
            steps,
            notice.release,
            notice.problem
              ? `:warning: ${notice.problem}`
              : `:white_check_mark: Jira versions of *${escapeText(notice.release.version)}* are marked released.`,
          ),
        ];
      case 'exception_requested':
        return [() => this.postException(steps, notice.exceptionId)];
      case 'exception_decided':
        return [
          () => this.dmExceptionOutcome(steps, notice.exceptionId),
          () => this.updateException(notice.exceptionId),
        ];
      case 'devenv_expiring': {
        const text = `:hourglass_flowing_sand: Your environment *${notice.env}* expires ${slackDate(new Date(notice.expiresAt))}. Extend it if you still need it.`;
        return [
          this.dm(steps, notice.owner, text, [
            section(text),
            actions(`devenv-expiry:${notice.env}`, [
              { text: 'Extend 4h', actionId: ActionIds.devenvExtend, value: notice.env, style: 'primary' },
            ]),
          ]),
        ];
      }
      case 'devenv_expired':
        return [
          this.dm(
            steps,
            notice.owner,
            `:wastebasket: Your environment *${notice.env}* expired; its routes are removed. \`/devenv ${notice.services.join(' ')}\` makes a new one.`,
          ),
        ];
      case 'devenv_creation_interrupted':
        return [
          this.dm(
            steps,
            notice.owner,
            `:warning: Creating your environment *${notice.env}* was interrupted (release-bot restarted). Nothing of it is left in the cluster; run \`/devenv\` again.`,
          ),
        ];
      case 'devenv_unsafe_target':
        return [
          this.dm(
            steps,
            notice.owner,
            `:no_entry: Your environment *${escapeText(notice.env)}* is removed: \`${escapeText(notice.host)}\` now resolves to ${escapeText(notice.reason)}, where pre-prod traffic must not go. Point it at a public address, then run \`/devenv\` again.`,
          ),
        ];
      case 'tracker_sync_requested':
        throw new Error('tracker_sync_requested is delivered to the tracker, not to Slack');
    }
  }

  /**
   * The notes at ship: one step renders and remembers them as parts, then one step per part, so a retry
   * never posts a part twice and never renders the notes anew (Jira may have moved on meanwhile).
   */
  private notesSteps(ref: ReleaseRef, steps: DeliverySteps): Step[] {
    if (!this.notes) return [];
    const render: Step = async () => {
      const notes = await this.notes!(await this.requireRelease(ref));
      return { memo: { notesParts: notes.parts, notesMarkdown: notes.markdown } satisfies NotesMemo };
    };
    const memo = notesMemo(steps.memo);
    if (!memo) return [render];
    return [
      render,
      ...memo.notesParts.map((part, i) => () => this.postNotesPart(ref, memo, i, steps)),
      () => this.uploadNotesFile(ref, memo),
    ];
  }

  /**
   * The whole notes as `release-<version>-notes.md` in the thread. Needs `files:write`; a workspace that did
   * not grant it still has every part as messages, so that is logged, not retried.
   */
  private async uploadNotesFile(ref: ReleaseRef, memo: NotesMemo): Promise<void> {
    const release = await this.requireRelease(ref);
    // Without an announcement there is no thread: the parts went to the channel, the file stays out of it.
    if (!memo.notesMarkdown || !release.announcementChannel || !release.announcementTs) return;
    try {
      await this.client.filesUploadV2({
        channel_id: release.announcementChannel,
        thread_ts: release.announcementTs,
        filename: `release-${release.version}-notes.md`,
        title: `Release notes of ${release.version}`,
        content: memo.notesMarkdown,
      });
    } catch (error) {
      const code = slackPlatformError(error);
      if (code !== 'missing_scope' && code !== 'not_allowed_token_type') throw error;
      this.logger.info({ reason: code }, 'files:write not granted: the notes file was not uploaded');
    }
  }

  private async postNotesPart(ref: ReleaseRef, memo: NotesMemo, index: number, steps: DeliverySteps) {
    const release = await this.requireRelease(ref);
    const part = memo.notesParts[index]!;
    try {
      await this.poster.post(steps, {
        channel: release.announcementChannel ?? this.channel,
        ...(release.announcementTs ? { thread_ts: release.announcementTs } : {}),
        text: part.text,
        blocks: part.blocks,
      });
      return undefined;
    } catch (error) {
      const reason = refusedForSize(error);
      if (!reason) throw error;
      const smaller = reducedPart(part, release.version, this.publicUrl);
      this.refused(reason, smaller !== undefined);
      if (smaller) {
        this.logger.warn({ reason, part: index }, 'Slack refused a part of the notes; sending it smaller');
        const parts = [...memo.notesParts.slice(0, index), ...smaller, ...memo.notesParts.slice(index + 1)];
        await steps.remember({ ...memo, notesParts: parts } satisfies NotesMemo);
        return REPLANNED;
      }
      this.logger.error(
        { reason, part: index },
        'Slack refused a part of the notes even in its smallest form',
      );
      const text =
        `:warning: Slack refused part ${index + 1} of the release notes of *${escapeText(release.version)}* (${reason}), even in its smallest form. ` +
        `\`/release notes ${release.version}\` shows them; the rest of the notes went to the thread.`;
      const managers = await this.managers(release.id);
      for (const [i, manager] of managers.entries())
        await this.poster.post(steps, { channel: manager, text }, 1 + i);
      return undefined;
    }
  }

  private async postFreezeReminder(steps: DeliverySteps, ref: ReleaseRef, freezeAt: Date): Promise<void> {
    const release = await this.requireRelease(ref);
    // Moved or frozen meanwhile: the reminder would tell of a time that no longer holds.
    if (release.state !== 'planned' || release.freezeAt?.getTime() !== freezeAt.getTime()) return;
    const text = `:alarm_clock: *${escapeText(release.version)}* freezes ${slackDate(freezeAt)}. After that only bug fixes that belong to it may change services in pre-prod; land what must be in it before then.`;
    const extra: Block[] = [];
    for (const section of this.sections) extra.push(...(await section(release)));
    await this.poster.post(steps, { channel: this.channel, text, blocks: [section(text), ...extra] });
  }

  private async dmSignoffReminder(
    steps: DeliverySteps,
    notice: Notice & { kind: 'signoff_reminder' },
  ): Promise<void> {
    if (!(await reminderStillWanted({ store: this.store }, notice))) return;
    if (this.workingHours) {
      const now = this.workingHours.clock.now();
      const until = reminderDeferredUntil(notice.cause, now, this.workingHours.hours);
      if (until) throw new OutsideWorkingHours(until.getTime() - now.getTime());
    }
    const release = await this.requireRelease(notice.release);
    const message = signoffReminderMessage({
      release,
      roles: notice.roles,
      cause: notice.cause,
      shipAt: notice.shipAt ? new Date(notice.shipAt) : null,
    });
    await this.poster.post(steps, { channel: notice.user, text: message.text, blocks: message.blocks });
  }

  /**
   * The announcement as it stands: who froze it, when and why (kept through every update), the sections
   * other features add, the tally. `reduced` leaves the sections out, for a Slack that refused the whole.
   */
  private async render(release: ReleaseRow, reduced = false): Promise<{ text: string; blocks: Block[] }> {
    const extra: Block[] = [];
    const frozen = isFrozen(release.state) ? await lastFreezeEvent(this.store, release.id) : undefined;
    if (frozen)
      extra.push(freezeAnnouncementIntro(release, frozen.actor, frozen.detail ?? undefined, frozen.at));
    if (!reduced) for (const section of this.sections) extra.push(...(await section(release)));
    return announcementMessage(await loadReleaseView(this.store, release), extra);
  }

  /**
   * Sends a message built by `build`; when Slack refuses it for its size, sends the reduced form once. A
   * refusal of that too is thrown: the caller's failure path tells the managers.
   */
  private async sendReducible<T>(
    send: (message: { text: string; blocks: Block[] }) => Promise<T>,
    build: (reduced: boolean) => Promise<{ text: string; blocks: Block[] }>,
  ): Promise<T> {
    try {
      return await send(await build(false));
    } catch (error) {
      const reason = refusedForSize(error);
      if (!reason) throw error;
      this.logger.warn({ reason }, 'Slack refused the announcement; sending it without the extra sections');
      try {
        const sent = await send(await build(true));
        this.refused(reason, true);
        return sent;
      } catch (again) {
        if (refusedForSize(again)) this.refused(reason, false);
        throw again;
      }
    }
  }

  private async requireRelease(ref: ReleaseRef): Promise<ReleaseRow> {
    const release = await getReleaseById(this.store, ref.id);
    if (!release) throw new Error(`release ${ref.id} vanished`);
    return release;
  }

  private async postAnnouncement(steps: DeliverySteps, ref: ReleaseRef) {
    const release = await this.requireRelease(ref);
    const posted = await this.sendReducible(
      (message) =>
        this.poster.post(steps, {
          channel: this.channel,
          text: `${release.version} is frozen. ${freezeRule(release.version).replace(/\*/g, '')}`,
          blocks: message.blocks,
        }),
      (reduced) => this.render(release, reduced),
    );
    const { channel, ts } = posted;
    return async (tx: Tx) => {
      if (channel && ts) await setAnnouncement(tx, release.id, channel, ts);
    };
  }

  private async storePermalink(ref: ReleaseRef) {
    const release = await this.requireRelease(ref);
    if (!release.announcementChannel || !release.announcementTs) return;
    const { permalink } = await this.client.chat.getPermalink({
      channel: release.announcementChannel,
      message_ts: release.announcementTs,
    });
    return async (tx: Tx) => {
      if (permalink) await setAnnouncementPermalink(tx, release.id, permalink);
    };
  }

  /** A new announcement with live buttons; the old one (if any) says where it moved. */
  private repost(
    steps: DeliverySteps,
    ref: ReleaseRef,
    previous: { channel: string; ts: string } | null,
  ): Step[] {
    return [
      () => this.postAnnouncement(steps, ref),
      () => this.storePermalink(ref),
      async () => {
        if (!previous) return;
        const release = await this.requireRelease(ref);
        const moved = announcementMovedMessage(release);
        await this.client.chat.update({ channel: previous.channel, ts: previous.ts, ...moved });
      },
    ];
  }

  private thread(steps: DeliverySteps, ref: ReleaseRef, line: string, broadcast = false): Step {
    return async () => {
      const release = await this.requireRelease(ref);
      if (!release.announcementChannel || !release.announcementTs) {
        await this.poster.post(steps, { channel: this.channel, text: line });
        return;
      }
      await this.poster.post(steps, {
        channel: release.announcementChannel,
        thread_ts: release.announcementTs,
        text: line,
        reply_broadcast: broadcast,
      });
    };
  }

  /** Re-renders the announcement; skipped when a later notice of the release will re-render it anyway. */
  private async refresh(ref: ReleaseRef, steps: DeliverySteps): Promise<void> {
    if (await steps.supersededBy(REFRESHING)) return;
    const release = await this.requireRelease(ref);
    if (!release.announcementChannel || !release.announcementTs) return;
    const { announcementChannel: channel, announcementTs: ts } = release;
    await this.sendReducible(
      (message) => this.client.chat.update({ channel, ts, text: message.text, blocks: message.blocks }),
      (reduced) => this.render(release, reduced),
    );
  }

  private dm(steps: DeliverySteps, user: string, text: string, blocks?: Block[]): Step {
    return async () => {
      await this.poster.post(steps, { channel: user, text, ...(blocks ? { blocks } : {}) });
    };
  }

  private async exceptionAndRelease(id: number) {
    const exception = await findException(this.store, id);
    if (!exception) throw new Error(`exception ${id} vanished`);
    const release = await getReleaseById(this.store, exception.releaseId);
    if (!release) throw new Error(`release ${exception.releaseId} vanished`);
    return { exception, release };
  }

  private async postException(steps: DeliverySteps, id: number) {
    const { exception, release } = await this.exceptionAndRelease(id);
    const message = exceptionRequestMessage(exception, release);
    const posted = await this.poster.post(steps, {
      channel: this.channel,
      text: message.text,
      blocks: message.blocks,
    });
    const { channel, ts } = posted;
    return async (tx: Tx) => {
      if (channel && ts) await setExceptionMessage(tx, id, channel, ts);
    };
  }

  private async dmExceptionOutcome(steps: DeliverySteps, id: number): Promise<void> {
    const { exception, release } = await this.exceptionAndRelease(id);
    await this.poster.post(steps, {
      channel: exception.requestedBy,
      text: exceptionOutcomeLine(exception, release),
    });
  }

  private async updateException(id: number): Promise<void> {
    const { exception, release } = await this.exceptionAndRelease(id);
    if (!exception.messageChannel || !exception.messageTs) return;
    const message = exceptionRequestMessage(exception, release);
    await this.client.chat.update({
      channel: exception.messageChannel,
      ts: exception.messageTs,
      text: message.text,
      blocks: message.blocks,
    });
  }
}

/** The alarm for a change of the frozen candidate that no gate check or manager admitted. */
export function driftLine(notice: Extract<Notice, { kind: 'candidate_drifted' }>): string {
  const who = notice.manager ? ` by \`${escapeText(notice.manager)}\`` : '';
  const changes = notice.changes.map((c) => escapeText(describeChange(c))).join('; ');
  return (
    `:rotating_light: *${escapeText(notice.release.version)}*: *${escapeText(notice.service)}* changed in pre-prod outside the freeze gate${who} (${escapeText(notice.workload)}): ${changes}. ` +
    `Revision ${notice.release.revision}: earlier sign-offs are stale. \`/release candidate ${notice.release.version}\` lists what runs now.`
  );
}

/** A scheduled reminder reached Slack's door after closing time: it waits for the next opening. */
class OutsideWorkingHours extends Error {
  constructor(readonly delayMs: number) {
    super('outside working hours');
  }
}
