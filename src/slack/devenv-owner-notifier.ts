import type { webApi } from '@slack/bolt';
import type { Devenv } from '../domain/devenv/model.js';
import type { Logger } from '../logger.js';
import type { DevenvOwnerNotifier } from '../use-cases/devenv-upkeep.js';
import { actions, section, slackDate } from './blocks/kit.js';
import { ActionIds } from './ids.js';

/** DMs to environment owners (chat.postMessage to a user ID opens the app's DM with them). */
export class SlackDevenvOwnerNotifier implements DevenvOwnerNotifier {
  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
  ) {}

  private async dm(user: string, text: string, blocks?: ReturnType<typeof section>[]): Promise<void> {
    try {
      await this.client.chat.postMessage({ channel: user, text, ...(blocks ? { blocks } : {}) });
    } catch (error) {
      this.logger.error({ err: error, user }, 'could not DM an environment owner');
    }
  }

  expiringSoon(env: Devenv): Promise<void> {
    const text = `:hourglass_flowing_sand: Your environment *${env.name}* expires ${slackDate(env.expiresAt)}. Extend it if you still need it.`;
    return this.dm(env.owner, text, [
      section(text),
      actions(`devenv-expiry:${env.name}`, [
        { text: 'Extend 4h', actionId: ActionIds.devenvExtend, value: env.name, style: 'primary' },
      ]),
    ]);
  }

  expired(env: Devenv): Promise<void> {
    return this.dm(
      env.owner,
      `:wastebasket: Your environment *${env.name}* expired; its routes are removed. \`/devenv ${env.overrides.map((o) => o.service).join(' ')}\` makes a new one.`,
    );
  }

  creationInterrupted(env: Devenv): Promise<void> {
    return this.dm(
      env.owner,
      `:warning: Creating your environment *${env.name}* was interrupted (release-bot restarted). Nothing of it is left in the cluster; run \`/devenv\` again.`,
    );
  }
}
