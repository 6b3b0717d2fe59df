import type { IncomingMessage, ServerResponse } from 'node:http';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { AuditRow } from '../db/releases.js';
import { csvLine, notesMarkdown } from '../domain/release-notes.js';
import { isAppError } from '../domain/errors.js';
import { loadCandidate, type CandidateView } from '../use-cases/candidate.js';
import { auditTrail, releaseNotes, type NotesDeps } from '../use-cases/release-notes.js';
import { tokenAccepted } from './gate-api.js';
import { sendJson, type RouteHandler } from './server.js';

export const RELEASE_EXPORTS_ROUTE = 'GET /api/v1/releases/*';
const EXPORT_PATH = /^\/api\/v1\/releases\/([^/]{1,64})\/(notes\.md|audit\.csv|candidate\.json)$/;

const AUDIT_COLUMNS = ['id', 'at', 'actor', 'action', 'from_state', 'to_state', 'detail', 'command'] as const;

function send(res: ServerResponse, contentType: string, filename: string, body: string): void {
  res.writeHead(200, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'content-disposition': `attachment; filename="${filename}"`,
    'cache-control': 'no-store',
  });
  res.end(body);
}

/**
 * Streams the audit trail as CSV, one batch at a time: it waits while the client is slow (backpressure) and
 * gives the event loop back between batches, so gate checks and Slack acks go on meanwhile.
 */
async function streamCsv(
  res: ServerResponse,
  filename: string,
  batches: AsyncIterable<AuditRow[]>,
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${filename}"`,
    'cache-control': 'no-store',
  });
  res.write(csvLine(AUDIT_COLUMNS));
  for await (const rows of batches) {
    if (res.destroyed) return;
    const chunk = rows
      .map((row) =>
        csvLine([
          row.id,
          row.at.toISOString(),
          row.actor,
          row.action,
          row.fromState,
          row.toState,
          row.detail,
          row.commandText,
        ]),
      )
      .join('');
    if (!res.write(chunk)) await drainedOrClosed(res);
    await yieldToEventLoop();
  }
  res.end();
}

/** A client that went away never drains: its close ends the wait too. Listeners are removed either way. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * `GET /api/v1/releases/<version>/notes.md` (for a changelog or a deploy pipeline) and `…/audit.csv` (for
 * auditors), behind the gate token like the rest of the API.
 */
export function releaseExportsHandler(deps: NotesDeps, tokens: readonly string[]): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (!tokenAccepted(req.headers.authorization, tokens)) {
      sendJson(res, 401, { error: 'unauthorized', reason: 'send Authorization: Bearer <GATE_API_TOKEN>' });
      return;
    }
    const path = (req.url ?? '').split('?')[0] ?? '';
    const match = EXPORT_PATH.exec(path);
    if (!match) {
      sendJson(res, 404, {
        error: 'not_found',
        reason: 'use /api/v1/releases/<version>/notes.md, …/audit.csv or …/candidate.json (?revision=N)',
      });
      return;
    }
    let version: string;
    try {
      version = decodeURIComponent(match[1] ?? '');
    } catch {
      sendJson(res, 400, {
        error: 'bad_request',
        reason: 'the version in the path is not valid percent-encoding',
      });
      return;
    }
    try {
      if (match[2] === 'notes.md') {
        const notes = await releaseNotes(deps, { version });
        send(res, 'text/markdown; charset=utf-8', `release-${notes.version}-notes.md`, notesMarkdown(notes));
        return;
      }
      if (match[2] === 'candidate.json') {
        const revision = new URL(req.url ?? '', 'http://x').searchParams.get('revision');
        if (revision !== null && !/^\d{1,6}$/.test(revision)) {
          sendJson(res, 400, { error: 'invalid_input', reason: 'revision must be a number' });
          return;
        }
        const view = await loadCandidate(deps.store, revision ? `${version}@${revision}` : version);
        sendJson(res, 200, candidateDocument(view));
        return;
      }
      const { release, batches } = await auditTrail(deps.store, { version });
      await streamCsv(res, `release-${release.version}-audit.csv`, batches());
    } catch (error) {
      if (!isAppError(error)) throw error;
      const status = error.reason === 'not_found' ? 404 : 400;
      sendJson(res, status, { error: error.reason, reason: error.message.replace(/`/g, '') });
    }
  };
}

/** The bill of materials for a deploy pipeline or an auditor: stable field names, snake_case like the gate. */
function candidateDocument(view: CandidateView): unknown {
  return {
    release: view.release.version,
    state: view.release.state,
    revision: view.revision,
    revisions: view.revisions,
    workloads: view.workloads.map((w) => ({
      namespace: w.namespace,
      kind: w.kind,
      name: w.name,
      service: w.service,
      generation: w.generation,
      containers: w.containers.map((c) => ({ name: c.container, image: c.image, init: c.init })),
    })),
  };
}
