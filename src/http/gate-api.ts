import { FencedOut } from '../db/fencing.js';
import { StoreUnavailable } from '../db/query.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from '../vendor/zod.js';
import { isImageReference } from '../domain/candidate.js';
import { isAppError } from '../domain/errors.js';
import { ISSUE_KEY, normalizeIssueKey, SERVICE_NAME } from '../domain/gate.js';
import type { GateDeps } from '../use-cases/check-gate.js';
import { checkGate } from '../use-cases/check-gate.js';
import { readBody, sendJson, type RouteHandler } from './server.js';

const BODY_LIMIT = 64 * 1024;

export const gateRequestSchema = z.strictObject({
  service: z.string().regex(SERVICE_NAME, 'must be a service name: lowercase letters, digits and -'),
  environment: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be an environment name: lowercase letters, digits and -'),
  issues: z
    .array(
      z
        .string()
        .transform(normalizeIssueKey)
        .pipe(z.string().regex(ISSUE_KEY, 'must be a Jira issue key like BLOG-123')),
    )
    .max(50)
    .default([]),
  images: z
    .array(
      z
        .string()
        .refine(
          isImageReference,
          'must be an image reference like registry.example.com/blog:2.4.1 or …@sha256:<digest>',
        ),
    )
    .max(20)
    .default([]),
  commit: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a commit id')
    .optional(),
  pipeline_url: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    // Shown as a link in Slack: characters that could end a link or start markup are refused, not escaped.
    .refine((url) => !/[\s<>|"`]/.test(url), 'must be a URL without spaces, <, >, |, quotes or backticks')
    .optional(),
});

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Constant-time over every configured token, so neither a match nor its position shows in the timing. */
export function tokenAccepted(header: string | undefined, tokens: readonly string[]): boolean {
  const presented = /^Bearer (\S+)$/.exec(header ?? '')?.[1];
  if (!presented || tokens.length === 0) return false;
  const candidate = digest(presented);
  let accepted = false;
  for (const token of tokens) accepted = timingSafeEqual(candidate, digest(token)) || accepted;
  return accepted;
}

export interface GateApiOptions {
  /** False on a standby instance: it answers 503 and changes nothing. */
  active: () => boolean;
  /**
   * Runs the check under this term's leadership epoch: a holder that lost the Lease mid-check (a slow
   * Jira) cannot write its decision, and answers 503 like a standby.
   */
  fenced?: <T>(work: () => T) => T;
  decided: (answer: { allowed: boolean; repeated: boolean }) => void;
}

export function gateCheckHandler(
  deps: GateDeps,
  tokens: readonly string[],
  options: GateApiOptions = { active: () => true, decided: () => undefined },
): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (!options.active()) {
      sendJson(res, 503, { error: 'standby', reason: 'another release-bot instance is active; retry' });
      return;
    }
    if (!tokenAccepted(req.headers.authorization, tokens)) {
      sendJson(res, 401, { error: 'unauthorized', reason: 'send Authorization: Bearer <GATE_API_TOKEN>' });
      return;
    }
    const raw = await readBody(req, BODY_LIMIT);
    if (raw === undefined) {
      sendJson(res, 413, { error: 'too_large', reason: `the body must be at most ${BODY_LIMIT} bytes` });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      sendJson(res, 400, { error: 'invalid_body', reason: 'the body must be JSON' });
      return;
    }
    const parsed = gateRequestSchema.safeParse(json);
    if (!parsed.success) {
      const fields: Record<string, string> = {};
      for (const issue of parsed.error.issues) fields[issue.path.join('.') || '(body)'] = issue.message;
      sendJson(res, 400, { error: 'invalid_body', reason: 'the body has invalid fields', fields });
      return;
    }
    const body = parsed.data;
    let decision: Awaited<ReturnType<typeof checkGate>>;
    const fenced = options.fenced ?? ((work) => work());
    try {
      decision = await fenced(() =>
        checkGate(deps, {
          service: body.service,
          environment: body.environment,
          issues: [...new Set(body.issues)],
          commit: body.commit,
          pipelineUrl: body.pipeline_url,
          images: [...new Set(body.images)],
        }),
      );
    } catch (error) {
      if (error instanceof FencedOut) {
        sendJson(res, 503, { error: 'standby', reason: 'this release-bot instance lost the Lease; retry' });
        return;
      }
      if (error instanceof StoreUnavailable) {
        sendJson(res, 503, { error: 'database_unavailable', reason: `${error.message}; retry` });
        return;
      }
      if (!isAppError(error) || error.reason !== 'unavailable') throw error;
      sendJson(res, 503, { error: 'enforcement_unavailable', reason: error.message });
      return;
    }
    options.decided(decision);
    sendJson(res, 200, {
      allowed: decision.allowed,
      reason: decision.reason,
      release: decision.release,
      revision: decision.revision,
      repeated: decision.repeated,
      checked_issues: decision.checkedIssues.map((c) => ({
        key: c.key,
        type: c.type,
        fixVersions: c.fixVersions,
        verdict: c.verdict,
      })),
    });
  };
}
