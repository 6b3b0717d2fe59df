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

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { app: 'release-bot' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? process.stdout,
  );
}
