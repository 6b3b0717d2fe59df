import type { webApi } from '@slack/bolt';
import type { ExceptionRow } from '../db/gate.js';
import { setExceptionMessage } from '../db/gate.js';
import type { Db } from '../db/database.js';
import type { ReleaseRow } from '../db/releases.js';
import type { Logger } from '../logger.js';
import type { ExceptionNotifier } from '../use-cases/freeze-exceptions.js';
import { exceptionOutcomeLine, exceptionRequestMessage } from './blocks/exceptions.js';

/** Approval requests in the release channel, updated in place when decided; the requester hears by DM. */
export class SlackExceptionNotifier implements ExceptionNotifier {
  constructor(
    private readonly client: webApi.WebClient,
    private readonly db: Db,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  async exceptionRequested(exception: ExceptionRow, release: ReleaseRow): Promise<void> {
    try {
      const message = exceptionRequestMessage(exception, release);
      const posted = await this.client.chat.postMessage({
        channel: this.channel,
        text: message.text,
        blocks: message.blocks,
      });
      if (posted.channel && posted.ts) setExceptionMessage(this.db, exception.id, posted.channel, posted.ts);
    } catch (error) {
      this.logger.error({ err: error, exception: exception.id }, 'could not post the exception request');
    }
  }

  async exceptionDecided(exception: ExceptionRow, release: ReleaseRow): Promise<void> {
    const message = exceptionRequestMessage(exception, release);
    const work: Promise<unknown>[] = [
      this.client.chat.postMessage({
        channel: exception.requestedBy,
        text: exceptionOutcomeLine(exception, release),
      }),
    ];
    if (exception.messageChannel && exception.messageTs) {
      work.push(
        this.client.chat.update({
          channel: exception.messageChannel,
          ts: exception.messageTs,
          text: message.text,
          blocks: message.blocks,
        }),
      );
    }
    const results = await Promise.allSettled(work);
    for (const result of results) {
      if (result.status === 'rejected')
        this.logger.error(
          { err: result.reason, exception: exception.id },
          'could not announce the exception decision',
        );
    }
  }
}
