import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { createLogger, humanLine, resolveLogFormat } from '../../src/logger.js';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('logging', () => {
  it('never writes credentials carried by vendor errors or fields', () => {
    const out = capture();
    const logger = createLogger('info', out.stream);
    const axiosLike = Object.assign(new Error('Request failed with status code 401'), {
      status: 401,
      config: { headers: { Authorization: 'Basic Ym90QGFjbWUudGVzdDpqaXJhLXNlY3JldA==' } },
      response: { data: { token: 'xoxb-leaked' } },
    });
    logger.error(
      { err: new AppError('unauthenticated', 'Jira refused release-bot', { cause: axiosLike }) },
      'call failed',
    );
    logger.info(
      {
        botToken: 'xoxb-secret',
        config: { signingSecret: 'shh' },
        headers: { authorization: 'Bearer gate-secret' },
      },
      'configured',
    );
    const text = out.text();
    expect(text).toContain('Jira refused release-bot');
    expect(text).toContain('"status":401');
    for (const secret of [
      'Ym90QGFjbWUudGVzdDpqaXJhLXNlY3JldA==',
      'xoxb-leaked',
      'xoxb-secret',
      'shh',
      'gate-secret',
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('the log format', () => {
  it('is JSON in production and for anything not a terminal, human lines at a terminal and in the playground', () => {
    const where = (terminal: boolean, playground: boolean) => ({ terminal, playground });
    expect(resolveLogFormat({}, where(false, false))).toBe('json');
    expect(resolveLogFormat({}, where(true, false))).toBe('human');
    expect(resolveLogFormat({}, where(false, true))).toBe('human');
    expect(resolveLogFormat({ NODE_ENV: 'production' }, where(true, true))).toBe('json');
    expect(resolveLogFormat({ NODE_ENV: 'production', LOG_FORMAT: 'human' }, where(false, false))).toBe(
      'human',
    );
    expect(resolveLogFormat({ LOG_FORMAT: 'json' }, where(true, true))).toBe('json');
  });

  it('writes a human line: time, level, message, fields, and an error by type and message, never its stack', () => {
    const out = capture();
    const logger = createLogger('info', out.stream, 'human');
    logger.warn({ outboxId: 7, reason: 'slack said no', token: 'xoxb-secret' }, 'notice delivery failed');
    logger.error({ err: new TypeError('boom') }, 'outbox delivery broke');
    const [warn, error] = out.text().split('\n');
    expect(warn).toMatch(
      /^\d{2}:\d{2}:\d{2} WARN {2}notice delivery failed outboxId=7 reason="slack said no" token=\[redacted\]$/,
    );
    expect(error).toMatch(/^\d{2}:\d{2}:\d{2} ERROR outbox delivery broke \(TypeError: boom\)$/);
    expect(out.text()).not.toContain('at ');
  });

  it('cuts long values and passes a line that is not JSON through as it is', () => {
    const line = humanLine(
      JSON.stringify({ level: 30, time: '2026-12-01T05:00:00.000Z', msg: 'x', ids: 'a'.repeat(300) }),
    );
    expect(line).toBe(`05:00:00 INFO  x ids=${'a'.repeat(159)}…\n`);
    expect(humanLine('not json')).toBe('not json');
  });
});
