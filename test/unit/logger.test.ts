import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { createLogger } from '../../src/logger.js';

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
