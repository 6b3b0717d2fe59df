import type { App, BlockButtonAction } from '@slack/bolt';
import { formatDuration } from '../../domain/duration.js';
import type { Services } from '../../services.js';
import {
  createDevenv,
  deleteDevenv,
  extendDevenv,
  listDevenvs,
  showDevenv,
} from '../../use-cases/devenvs.js';
import type { Actor } from '../../use-cases/ports.js';
import { slackDate, textReply, type Reply } from '../blocks/kit.js';
import { devenvCreatedReply, devenvHelp, devenvListReply, devenvShowReply } from '../blocks/devenv.js';
import { parseDevenvCommand, type DevenvCommand } from '../devenv-command.js';
import { ActionIds } from '../ids.js';
import { respondEphemeral } from '../reply.js';

const EXTEND_BUTTON_SECONDS = 4 * 3600;

export function registerDevenv(app: App, services: Services): void {
  const logger = services.logger.child({ component: 'devenv' });
  app.command('/devenv', async ({ command, ack, respond }) => {
    await ack();
    const actor = {
      userId: command.user_id,
      userName: command.user_name,
      commandText: `/devenv ${command.text}`.trim(),
    };
    await respondEphemeral(respond, logger, { user: command.user_id, text: command.text }, () =>
      runDevenvCommand(services, actor, parseDevenvCommand(command.text)),
    );
  });

  const button = (actionId: string, run: (actor: Actor, env: string) => Promise<Reply>) =>
    app.action<BlockButtonAction>(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      await respondEphemeral(respond, logger, { user: body.user.id, action: actionId }, () =>
        run({ userId: body.user.id, commandText: `${actionId} button` }, action.value ?? ''),
      );
    });
  button(ActionIds.devenvDelete, (actor, env) =>
    runDevenvCommand(services, { ...actor, userName: '' }, { name: 'delete', env }),
  );
  button(ActionIds.devenvShowManifests, (actor, env) =>
    runDevenvCommand(services, { ...actor, userName: '' }, { name: 'show', env }),
  );
  button(ActionIds.devenvExtend, (actor, env) =>
    runDevenvCommand(
      services,
      { ...actor, userName: '' },
      { name: 'extend', env, seconds: EXTEND_BUTTON_SECONDS },
    ),
  );
}

export async function runDevenvCommand(
  services: Services,
  actor: Actor & { userName: string },
  command: DevenvCommand,
): Promise<Reply> {
  const { devenv } = services;
  switch (command.name) {
    case 'help':
      return devenvHelp(command.unknown);
    case 'create':
      return devenvCreatedReply(
        await createDevenv(devenv, actor, {
          targets: command.targets,
          name: command.envName,
          ttlSeconds: command.ttlSeconds,
          dryRun: command.dryRun,
        }),
        services.routing,
      );
    case 'list':
      return devenvListReply(listDevenvs(devenv, command.all ? undefined : actor.userId), command.all);
    case 'show':
      return devenvShowReply(await showDevenv(devenv, command.env), services.routing);
    case 'delete': {
      const env = await deleteDevenv(devenv, actor, command.env);
      return textReply(
        `:wastebasket: Environment *${env.name}* is deleted; its routes are gone from the cluster.`,
      );
    }
    case 'extend': {
      const until = await extendDevenv(devenv, actor, command.env, command.seconds);
      return textReply(
        `:hourglass: *${command.env}* now lives until ${slackDate(until)} (+${formatDuration(command.seconds)}).`,
      );
    }
    case 'status':
      return devenvListReply(listDevenvs(devenv), true);
  }
}
