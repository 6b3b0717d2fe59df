import { readFileSync } from 'node:fs';
import type pgTypes from 'pg';
import { pg } from '../../vendor/drizzle-pg.js';

/** How long a connection attempt and a statement may take before the call gives up (every call has one). */
const CONNECT_TIMEOUT_MS = 10_000;
const STATEMENT_TIMEOUT_MS = 30_000;
/**
 * The bot's own limit on a statement, a little over the server's: the server's `statement_timeout` ends a
 * slow statement, but a server (or network) that stops answering enforces nothing.
 */
const CLIENT_MARGIN_MS = 1_000;

/**
 * A pool on `DATABASE_URL`. TLS as the URL says (`sslmode=require`, `verify-full`…); a CA file (a private
 * CA, as managed services and CloudNativePG use) is trusted for verification when given.
 */
export function postgresPool(
  url: string,
  options: { caFile?: string | undefined; max: number; statementTimeoutMs?: number },
): pgTypes.Pool {
  const ca = options.caFile ? readFileSync(options.caFile, 'utf8') : undefined;
  const statementTimeoutMs = options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS;
  return new pg.Pool({
    connectionString: url,
    max: options.max,
    connectionTimeoutMillis: Math.min(CONNECT_TIMEOUT_MS, statementTimeoutMs),
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + CLIENT_MARGIN_MS,
    // A connection whose peer vanished without a FIN is found out by the kernel, not kept for ever.
    keepAlive: true,
    ...(ca ? { ssl: { ca, rejectUnauthorized: true } } : {}),
  });
}

/** The URL without its password, for a log line or a message. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the PostgreSQL URL (not shown: it does not parse)';
  }
}
