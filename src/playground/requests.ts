import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson, type RouteHandler } from '../http/server.js';
import type { Logger } from '../logger.js';
import { z } from '../vendor/zod.js';
import { userById } from './workspace.js';

/** A person of the playground workspace, by Slack user ID. */
export const USER_ID = z
  .string()
  .refine((id) => userById(id) !== undefined, 'not a user of the playground workspace');

export const homeRequest = z.object({ as: USER_ID });

function parseBody<T>(
  schema: z.ZodType<T>,
  raw: string | undefined,
): { ok: true; data: T } | { ok: false; reason: string } {
  if (raw === undefined) return { ok: false, reason: 'the body must be at most 64 KiB' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'the body must be JSON' };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, data: parsed.data };
}

/**
 * A JSON POST route: anything but `application/json` is refused (another web page cannot send it without
 * asking), the body is parsed with `schema`, and a bot that does not answer is a 502 with a reason.
 */
export function jsonPost(logger: Logger) {
  return <T>(schema: z.ZodType<T>, handle: (data: T, res: ServerResponse) => Promise<void>): RouteHandler =>
    async (req: IncomingMessage, res: ServerResponse) => {
      // A form or text/plain post is what another web page can send without asking: refuse it.
      if (!/^application\/json(;|$)/i.test(req.headers['content-type'] ?? '')) {
        sendJson(res, 415, { error: 'unsupported_media_type', reason: 'send application/json' });
        return;
      }
      const body = parseBody(schema, await readBody(req, 65_536));
      if (!body.ok) {
        sendJson(res, 400, { error: 'invalid_request', reason: body.reason });
        return;
      }
      try {
        await handle(body.data, res);
      } catch (error) {
        logger.warn({ err: error }, 'playground request to the bot failed');
        sendJson(res, 502, { error: 'bot_unreachable', reason: 'the bot did not answer; see its log' });
      }
    };
}
