import type { webApi } from '@slack/bolt';
import type { Db } from '../db/database.js';
import { getReleaseById, setAnnouncement, type ReleaseRow } from '../db/releases.js';
import type { Logger } from '../logger.js';
import { KeyedCoalescer } from '../support/keyed-coalescer.js';
import type { ReleaseAnnouncer, ReleaseEvent } from '../use-cases/ports.js';
import { loadReleaseView } from '../use-cases/release-view.js';
import { escapeText, mention, type Block } from './blocks/kit.js';
import { announcementMessage, freezeAnnouncementIntro, freezeRule, voteLine } from './blocks/release.js';

/** Extra blocks other features contribute to the announcement (e.g. the Jira scope). */
export type AnnouncementSection = (release: ReleaseRow) => Promise<Block[]>;

/**
 * Keeps the release channel told: the freeze announcement is posted once and then updated in place;
 * each fact gets one line in its thread.
 */
export class SlackReleaseAnnouncer implements ReleaseAnnouncer {
  private readonly updates: KeyedCoalescer<number>;
  private readonly sections: AnnouncementSection[] = [];

  constructor(
    private readonly client: webApi.WebClient,
    private readonly db: Db,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {
    this.updates = new KeyedCoalescer((error, releaseId) =>
      this.logger.error({ err: error, releaseId }, 'announcement update failed'),
    );
  }

  addSection(section: AnnouncementSection): void {
    this.sections.push(section);
  }

  async announce(event: ReleaseEvent): Promise<void> {
    try {
      await this.deliver(event);
    } catch (error) {
      this.logger.error({ err: error, kind: event.kind, releaseId: event.release.id }, 'announcement failed');
    }
  }

  /** Re-renders the announcement from the database; concurrent calls fold into one trailing update. */
  refresh(releaseId: number): Promise<void> {
    return this.updates.schedule(releaseId, () => this.updateInPlace(releaseId));
  }

  private async deliver(event: ReleaseEvent): Promise<void> {
    const { release } = event;
    const version = escapeText(release.version);
    switch (event.kind) {
      case 'release_frozen':
        return this.postAnnouncement(release, event.actor, event.note);
      case 'release_unfrozen':
        return this.updateAndThread(
          release,
          `:sunny: ${mention(event.actor)} unfroze *${version}*${event.reason ? `: ${escapeText(event.reason)}` : ''}. Services may take changes again.`,
        );
      case 'release_cancelled':
        return this.updateAndThread(
          release,
          `:no_entry_sign: ${mention(event.actor)} cancelled *${version}*: ${escapeText(event.reason)}`,
        );
      case 'vote_recorded':
        return this.updateAndThread(release, voteLine(event.actor, event.vote));
      case 'release_signed_off':
        return this.updateAndThread(
          release,
          `:white_check_mark: *${version} is ready for production.* Release managers can ship it.`,
          true,
        );
      case 'release_sign_off_revoked':
        return this.updateAndThread(
          release,
          `:leftwards_arrow_with_hook: *${version}* is no longer signed off.`,
        );
      case 'release_shipped':
        return this.updateAndThread(
          release,
          `:rocket: ${mention(event.actor)} shipped *${version}*. The freeze is lifted.` +
            (event.jiraProblem ? `\n:warning: ${event.jiraProblem}` : ''),
          true,
        );
      case 'revision_bumped':
        return this.updateAndThread(
          release,
          `:arrows_counterclockwise: *${version}* moved to revision ${release.revision}: ${escapeText(event.cause)}.` +
            (event.staleVoters.length > 0
              ? ` ${event.staleVoters.map(mention).join(', ')}: your sign-off is now stale, please review and vote again.`
              : ''),
        );
      case 'jira_synced':
        return this.updateAndThread(
          release,
          event.problem
            ? `:warning: ${event.problem}`
            : `:white_check_mark: Jira versions of *${version}* are marked released.`,
        );
    }
  }

  private async render(release: ReleaseRow, intro?: Block): Promise<{ text: string; blocks: Block[] }> {
    const extra: Block[] = intro ? [intro] : [];
    for (const section of this.sections) extra.push(...(await section(release)));
    return announcementMessage(loadReleaseView(this.db, release), extra);
  }

  private async postAnnouncement(
    release: ReleaseRow,
    actor: string,
    note: string | undefined,
  ): Promise<void> {
    const message = await this.render(release, freezeAnnouncementIntro(release, actor, note));
    const posted = await this.client.chat.postMessage({
      channel: this.channel,
      text: `${release.version} is frozen. ${freezeRule(release.version).replace(/\*/g, '')}`,
      blocks: message.blocks,
    });
    if (posted.channel && posted.ts) setAnnouncement(this.db, release.id, posted.channel, posted.ts);
  }

  private async updateInPlace(releaseId: number): Promise<void> {
    const release = getReleaseById(this.db, releaseId);
    if (!release?.announcementChannel || !release.announcementTs) return;
    const message = await this.render(release);
    await this.client.chat.update({
      channel: release.announcementChannel,
      ts: release.announcementTs,
      text: message.text,
      blocks: message.blocks,
    });
  }

  private async updateAndThread(release: ReleaseRow, line: string, broadcast = false): Promise<void> {
    const current = getReleaseById(this.db, release.id) ?? release;
    if (!current.announcementChannel || !current.announcementTs) {
      await this.client.chat.postMessage({ channel: this.channel, text: line });
      return;
    }
    await Promise.all([
      this.refresh(release.id),
      this.client.chat.postMessage({
        channel: current.announcementChannel,
        thread_ts: current.announcementTs,
        text: line,
        reply_broadcast: broadcast,
      }),
    ]);
  }
}
