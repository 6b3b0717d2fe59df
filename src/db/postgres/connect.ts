import { readFileSync } from 'node:fs';
import type pgTypes from 'pg';
import { pg } from '../../vendor/drizzle-pg.js';

/** How long a connection attempt and a statement may take before the call gives up (every call has one). */
const CONNECT_TIMEOUT_MS = 10_000;
const STATEMENT_TIMEOUT_MS = 30_000;

/**
 * A pool on `DATABASE_URL`. TLS as the URL says (`sslmode=require`, `verify-full`…); a CA file (a private
 * CA, as managed services and CloudNativePG use) is trusted for verification when given.
 */
export function postgresPool(
  url: string,
  options: { caFile?: string | undefined; max: number },
): pgTypes.Pool {
  const ca = options.caFile ? readFileSync(options.caFile, 'utf8') : undefined;
  return new pg.Pool({
    connectionString: url,
    max: options.max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
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
