import { randomUUID } from 'node:crypto';
import type { AckFn, RespondFn, webApi } from '@slack/bolt';
import { isAppError } from '../domain/errors.js';
import type { Logger } from '../logger.js';
import { textReply, type Reply } from './blocks/kit.js';

/** A reply only its asker sees; `replaceOriginal` swaps it for the message the request came from. */
export function ephemeral(
  reply: Reply,
  replaceOriginal = false,
): { response_type: 'ephemeral'; replace_original: boolean; text: string; blocks: Reply['blocks'] } {
  return {
    response_type: 'ephemeral',
    replace_original: replaceOriginal,
    text: reply.text,
    blocks: reply.blocks,
  };
}

/** What a person sees when something failed: the reason if it is theirs to fix, a reference if it is ours. */
export function failureReply(error: unknown, logger: Logger, context: Record<string, unknown>): Reply {
  if (isAppError(error)) {
    logger.info({ ...context, reason: error.reason }, 'request refused');
    return textReply(`:warning: ${error.message}`);
  }
  const ref = randomUUID().slice(0, 8);
  logger.error({ ...context, err: error, ref }, 'request failed');
  return textReply(
    `:boom: Something went wrong on our side (ref \`${ref}\`). Try again; if it keeps failing, give the ref to whoever runs release-bot.`,
  );
}

/** How a private reply reaches the person: response_url, or a DM where there is none. */
export type Answer = (reply: ReturnType<typeof ephemeral>) => Promise<unknown>;

/** Runs the work and answers privately with its reply, or with why it failed. Never throws. */
export async function respondEphemeral(
  respond: Answer,
  logger: Logger,
  context: Record<string, unknown>,
  work: () => Promise<Reply | undefined>,
): Promise<void> {
  // The request is already acked: let the acks of requests that arrived with it go out first.
  await new Promise<void>((resolve) => setImmediate(resolve));
  let reply: Reply | undefined;
  try {
    reply = await work();
  } catch (error) {
    reply = failureReply(error, logger, context);
  }
  if (!reply) return;
  try {
    await respond(ephemeral(reply));
  } catch (error) {
    logger.error({ ...context, err: error }, 'could not deliver reply');
  }
}

/**
 * Runs a database-only change before the ack, so an acked press is a stored press; any reply (a refusal, "already
 * approved") follows on response_url.
 */
export async function commitThenAck(
  ack: AckFn<void>,
  respond: Answer,
  logger: Logger,
  context: Record<string, unknown>,
  work: () => Promise<string | undefined> | string | undefined,
): Promise<void> {
  let reply: Reply | undefined;
  try {
    const text = await work();
    reply = text ? textReply(text) : undefined;
  } catch (error) {
    reply = failureReply(error, logger, context);
  }
  await ack();
  if (!reply) return;
  await respond(ephemeral(reply)).catch((error: unknown) =>
    logger.error({ ...context, err: error }, 'could not deliver reply'),
  );
}

/**
 * Where the reply to a button press goes: its response_url, or, for App Home buttons (which carry none),
 * a DM from the app to the person who pressed.
 */
export function replyPath(respond: RespondFn | undefined, client: webApi.WebClient, userId: string): Answer {
  if (respond) return respond;
  return (reply) => client.chat.postMessage({ channel: userId, text: reply.text, blocks: reply.blocks });
}
