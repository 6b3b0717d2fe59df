import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/domain/errors.js';
import { jqlString, scopeJql } from '../../../src/domain/scope.js';
import { withRetry, type RetryPolicy } from '../../../src/jira/errors.js';

function fakeTime(): RetryPolicy & { waits: number[] } {
  let clock = 0;
  const waits: number[] = [];
  return {
    maxTotalMs: 30_000,
    baseDelayMs: 500,
    maxDelayMs: 8_000,
    random: () => 1,
    now: () => clock,
    sleep: (ms) => {
      waits.push(ms);
      clock += ms;
      return Promise.resolve();
    },
    waits,
  };
}

function httpError(status: number, retryAfter?: string): Error {
  return Object.assign(new Error(`status ${status}`), {
    status,
    cause: { response: { headers: retryAfter ? { 'retry-after': retryAfter } : {} } },
  });
}

describe('Jira retries', () => {
  it('honours Retry-After when it asks for more than the backoff', async () => {
    const policy = fakeTime();
    let calls = 0;
    const result = await withRetry(
      'search',
      () => (++calls < 3 ? Promise.reject(httpError(429, '5')) : Promise.resolve('ok')),
      policy,
    );
    expect(result).toBe('ok');
    expect(policy.waits).toEqual([5000, 5000]);
  });

  it('backs off exponentially up to the cap and gives up after about 30 s', async () => {
    const policy = fakeTime();
    const error = await withRetry('search', () => Promise.reject(httpError(503)), policy).catch(
      (e: unknown) => e,
    );
    expect(policy.waits).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(policy.waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30_000);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).reason).toBe('unavailable');
  });

  it.each([
    [401, 'unauthenticated', 'check JIRA_EMAIL / JIRA_API_TOKEN'],
    [403, 'forbidden', 'permissions'],
    [400, 'invalid_input', 'rejected'],
    [500, 'unavailable', 'Jira is unavailable (500)'],
  ])('does not retry a %i and names the reason', async (status, reason, text) => {
    const policy = fakeTime();
    const error = (await withRetry('search', () => Promise.reject(httpError(status)), policy).catch(
      (e: unknown) => e,
    )) as AppError;
    expect(policy.waits).toEqual([]);
    expect(error.reason).toBe(reason);
    expect(error.message).toContain(text);
  });
});

describe('JQL quoting', () => {
  it.each([
    ['2.4', '"2.4"'],
    ['2.4"', '"2.4\\""'],
    ['Blog 2.4', '"Blog 2.4"'],
    ['a\\" OR project = X', '"a\\\\\\" OR project = X"'],
    ['line\nbreak', '"line break"'],
  ])('%j → %s', (value, literal) => {
    expect(jqlString(value)).toBe(literal);
  });
  it('builds the scope query', () => {
    expect(scopeJql(['BLOG'], '2.4')).toBe('project = "BLOG" AND fixVersion = "2.4" ORDER BY key ASC');
  });
});
