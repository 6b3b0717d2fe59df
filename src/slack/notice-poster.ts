import type { webApi } from '@slack/bolt';
import type { Logger } from '../logger.js';
import type { DeliverySteps } from '../outbox/relay.js';
import { slackPlatformError } from './slack-errors.js';

/** The metadata event type every message the outbox posts carries, with the notice, step and part. */
export const NOTICE_EVENT_TYPE = 'release_bot_notice';

/** Slack's answers when the bot may not read a conversation's history: the look-up is skipped, not retried. */
const HISTORY_REFUSALS = new Set([
  'missing_scope',
  'not_in_channel',
  'channel_not_found',
  'not_allowed_token_type',
]);

/** How far back a look-up reads: a notice's messages are never older than the notice itself. */
const PAGE_LIMIT = 200;
const MAX_PAGES = 5;

type PostArguments = webApi.ChatPostMessageArguments & { channel: string; thread_ts?: string };
interface Posted {
  channel?: string;
  ts?: string;
}
interface FoundMessage {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

/**
 * Posts an outbox step's message at most once. Slack has no idempotency key for chat.postMessage, so each
 * message carries its outbox id, step and part in its metadata, and a step whose earlier try may have
 * reached Slack (a timeout, a reset, a crash, a handover: `steps.inDoubt`) first reads the conversation
 * (or the thread) for a message with that key, and adopts it instead of posting again.
 *
 * Needs `channels:history`, `groups:history` and `im:history`. Where a workspace did not grant them, the
 * step posts as before (a duplicate is then possible after an unknown outcome) and `historyProblem` says so.
 */
export class NoticePoster {
  private refusal: string | undefined;

  constructor(
    private readonly client: webApi.WebClient,
    /** This installation's id: two installations in one channel have outbox ids of their own. */
    private readonly instance: () => string,
    private readonly logger: Logger,
  ) {}

  /** Why a look-up could not be made, if the last one could not (readiness names it). */
  historyProblem(): string | undefined {
    return this.refusal;
  }

  async post(steps: DeliverySteps, args: PostArguments, part = 0): Promise<Posted> {
    const key = { instance: this.instance(), outbox_id: steps.id, step: steps.done, part };
    if (steps.inDoubt) {
      const found = await this.find(args, key, steps);
      if (found) {
        this.logger.info(
          { outboxId: steps.id, step: steps.done, part },
          'adopted a message Slack already had',
        );
        return found;
      }
    }
    steps.signal.throwIfAborted();
    const posted = await this.client.chat.postMessage({
      ...args,
      metadata: { event_type: NOTICE_EVENT_TYPE, event_payload: key },
    });
    return {
      ...(posted.channel ? { channel: posted.channel } : {}),
      ...(posted.ts ? { ts: posted.ts } : {}),
    };
  }

  private async find(
    args: PostArguments,
    key: Record<string, string | number>,
    steps: DeliverySteps,
  ): Promise<Posted | undefined> {
    try {
      const channel = /^[UW]/.test(args.channel) ? await this.dmChannel(args.channel) : args.channel;
      const oldest = String(Math.floor(steps.queuedAt.getTime() / 1000) - 60);
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        steps.signal.throwIfAborted();
        const common = {
          channel,
          oldest,
          limit: PAGE_LIMIT,
          include_all_metadata: true,
          ...(cursor ? { cursor } : {}),
        };
        const answer = args.thread_ts
          ? await this.client.conversations.replies({ ...common, ts: args.thread_ts })
          : await this.client.conversations.history(common);
        const match = answer.messages?.find((m) => sameKey(m, key));
        if (match?.ts) {
          this.refusal = undefined;
          return { channel, ts: match.ts };
        }
        cursor = answer.response_metadata?.next_cursor || undefined;
        if (!answer.has_more || !cursor) break;
      }
      this.refusal = undefined;
      return undefined;
    } catch (error) {
      const code = slackPlatformError(error);
      if (!code || !HISTORY_REFUSALS.has(code)) throw error;
      this.refusal = `Slack refused reading history (${code}): a notice that timed out may be posted twice; grant channels:history, groups:history and im:history`;
      this.logger.warn(
        { reason: code, outboxId: steps.id },
        'could not look for an earlier post; posting again',
      );
      return undefined;
    }
  }

  private async dmChannel(user: string): Promise<string> {
    const opened = await this.client.conversations.open({ users: user });
    const id = opened.channel?.id;
    if (!id) throw new Error(`Slack opened no DM channel with ${user}`);
    return id;
  }
}

function sameKey(message: FoundMessage, key: Record<string, string | number>): boolean {
  if (message.metadata?.event_type !== NOTICE_EVENT_TYPE) return false;
  const payload = message.metadata.event_payload ?? {};
  return Object.entries(key).every(([name, value]) => payload[name] === value);
}
