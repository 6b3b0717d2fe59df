import type { Logger } from 'pino';
import { pino } from './vendor/pino.js';

export type { Logger } from 'pino';

/** Anything that looks like a credential is replaced before a line is written. */
const REDACTED_PATHS = [
  'token',
  '*.token',
  'botToken',
  '*.botToken',
  'appToken',
  '*.appToken',
  'signingSecret',
  '*.signingSecret',
  'apiToken',
  '*.apiToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
];

interface SerializedError {
  type: string;
  message: string;
  reason?: unknown;
  status?: unknown;
  code?: unknown;
  stack?: string;
  cause?: SerializedError;
}

/**
 * Errors are logged by name, message, status and stack only: vendor errors (axios, fetch, client-node)
 * carry request configs with Authorization headers and bodies that must never reach a log.
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  const e = error as Error & { reason?: unknown; status?: unknown; code?: unknown; cause?: unknown };
  const statusValue = e.status ?? (e as { statusCode?: unknown }).statusCode;
  return {
    type: e.name,
    message: e.message,
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
    ...(typeof statusValue === 'number' ? { status: statusValue } : {}),
    ...(typeof e.code === 'string' || typeof e.code === 'number' ? { code: e.code } : {}),
    ...(e.stack ? { stack: e.stack } : {}),
    ...(e.cause !== undefined && depth < 3 ? { cause: serializeError(e.cause, depth + 1) } : {}),
  };
}

export type LogFormat = 'json' | 'human';

/**
 * JSON for machines (production, a log collector), short human lines for a person at a terminal or in the
 * playground. `LOG_FORMAT` says which; unset, production and anything not a terminal get JSON.
 */
export function resolveLogFormat(
  env: { LOG_FORMAT?: string | undefined; NODE_ENV?: string | undefined },
  where: { terminal: boolean; playground: boolean },
): LogFormat {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'human') return env.LOG_FORMAT;
  if (env.NODE_ENV === 'production') return 'json';
  return where.terminal || where.playground ? 'human' : 'json';
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const NOT_SHOWN = new Set(['level', 'time', 'app', 'msg', 'pid', 'hostname', 'err']);

function humanValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const shown = text.length > 160 ? `${text.slice(0, 159)}…` : text;
  return typeof value === 'string' && /[\s"=]/.test(value) ? JSON.stringify(shown) : shown;
}

/** One pino JSON line as a person reads it: `09:14:03 WARN  message key=value …`, an error's message last. */
export function humanLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
  const level = (LEVEL_NAMES[Number(entry.level)] ?? String(entry.level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key, value]) => !NOT_SHOWN.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${humanValue(value)}`);
  const err = entry.err as { type?: string; message?: string } | undefined;
  const error = err ? [`(${err.type ?? 'Error'}: ${err.message ?? ''})`] : [];
  const msg = typeof entry.msg === 'string' ? entry.msg : '';
  return [time, level, msg, ...fields, ...error].filter(Boolean).join(' ') + '\n';
}

function humanStream(out: NodeJS.WritableStream): { write(line: string): void } {
  return { write: (line) => void out.write(humanLine(line)) };
}

export function createLogger(
  level: string,
  destination?: NodeJS.WritableStream,
  format: LogFormat = 'json',
): Logger {
  const out = destination ?? process.stdout;
  return pino(
    {
      level,
      base: { app: 'release-bot' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    format === 'human' ? humanStream(out) : out,
  );
}
