import { AppError } from '../domain/errors.js';

export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

export function retryAfterMs(error: unknown): number | undefined {
  const headers = (error as { cause?: { response?: { headers?: Record<string, unknown> } } }).cause?.response
    ?.headers;
  const value = headers?.['retry-after'];
  const seconds = typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

function jiraMessages(error: unknown): string {
  const data = (error as { response?: { data?: unknown } }).response?.data as
    { errorMessages?: unknown; errors?: unknown } | undefined;
  const messages = Array.isArray(data?.errorMessages)
    ? data.errorMessages.filter((m): m is string => typeof m === 'string')
    : [];
  const fields =
    data?.errors && typeof data.errors === 'object'
      ? Object.values(data.errors).filter((m): m is string => typeof m === 'string')
      : [];
  return [...messages, ...fields].join(' ').slice(0, 300);
}

/** Jira's answers, as reasons and sentences that say what to do. */
export function jiraFailure(error: unknown, what: string): AppError {
  if (error instanceof AppError) return error;
  const status = statusOf(error);
  const detail = jiraMessages(error);
  const suffix = detail ? ` Jira said: ${detail}` : '';
  if (status === 401 || status === 403) {
    return new AppError(
      status === 401 ? 'unauthenticated' : 'forbidden',
      `Jira refused release-bot (${status}) while trying to ${what}: check JIRA_EMAIL / JIRA_API_TOKEN / the account's permissions.${suffix}`,
      { cause: error },
    );
  }
  if (status === 404)
    return new AppError('not_found', `Jira has no such thing (404) while trying to ${what}.${suffix}`, {
      cause: error,
    });
  if (status === 400)
    return new AppError('invalid_input', `Jira rejected the request to ${what} (400).${suffix}`, {
      cause: error,
    });
  if (status === 429)
    return new AppError(
      'rate_limited',
      `Jira is rate-limiting release-bot (429) while trying to ${what}; try again in a minute.`,
      { cause: error },
    );
  const code = (error as { code?: unknown }).code;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
    return new AppError('timeout', `Jira did not answer in time while trying to ${what}; try again later.`, {
      cause: error,
    });
  }
  return new AppError(
    'unavailable',
    `Jira is unavailable${status ? ` (${status})` : ''} while trying to ${what}: check JIRA_BASE_URL and Jira's status, then try again.`,
    { cause: error },
  );
}

export interface RetryPolicy {
  maxTotalMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxTotalMs: 30_000,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  now: Date.now,
};

const RETRIED = new Set([429, 503]);

/**
 * 429 and 503 are retried, waiting what Retry-After asks or a capped exponential backoff with jitter,
 * whichever is longer, for about 30 s in all. Everything else fails at once with a reason.
 */
export async function withRetry<T>(
  what: string,
  call: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  /** A caller's deadline (epoch ms): no retry starts that would end after it. */
  deadline?: number,
): Promise<T> {
  const started = policy.now();
  const giveUpAt = Math.min(started + policy.maxTotalMs, deadline ?? Infinity);
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const status = statusOf(error);
      if (status === undefined || !RETRIED.has(status)) throw jiraFailure(error, what);
      const backoff =
        Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt) * (0.5 + policy.random() / 2);
      const wait = Math.max(retryAfterMs(error) ?? 0, backoff);
      if (policy.now() + wait > giveUpAt) throw jiraFailure(error, what);
      await policy.sleep(wait);
    }
  }
}

/** The Jira client when Jira is configured; otherwise a reply naming the settings to set. */
export function requireJira<Gateway>(jira: Gateway | undefined): Gateway {
  if (!jira)
    throw new AppError(
      'not_configured',
      'Jira is not connected: set JIRA_BASE_URL, JIRA_EMAIL, JIRA_API_TOKEN and JIRA_PROJECTS.',
    );
  return jira;
}
