import type { RespondFn } from '@slack/bolt';
import { formatDuration } from '../../domain/duration.js';
import type { Services } from '../../services.js';
import type { SlackRoutes } from '../routes.js';
import { createDevenv, type DevenvCreated } from '../../use-cases/create-devenv.js';
import { deleteDevenv } from '../../use-cases/remove-devenv.js';
import { extendDevenv } from '../../use-cases/extend-devenv.js';
import { devenvExists, listDevenvs, showDevenv } from '../../use-cases/show-devenvs.js';
import type { Actor } from '../../use-cases/ports.js';
import { slackDate, textReply, type Reply } from '../blocks/kit.js';
import {
  devenvCreatedReply,
  devenvHelp,
  devenvListReply,
  devenvShowReply,
  devenvStatusReply,
} from '../blocks/devenv.js';
import { targetStatuses } from '../../use-cases/devenvs.js';
import { parseDevenvCommand, type DevenvCommand } from '../devenv-command.js';
import { ActionIds } from '../ids.js';
import { commitThenAck, ephemeral, failureReply, replyPath, respondEphemeral } from '../reply.js';

const EXTEND_BUTTON_SECONDS = 4 * 3600;

export function registerDevenv({ commands, buttons }: SlackRoutes, services: Services): void {
  const logger = services.logger.child({ component: 'devenv' });
  commands.on('/devenv', async ({ command, ack, respond }) => {
    const actor = {
      userId: command.user_id,
      userName: command.user_name,
      commandText: `/devenv ${command.text}`.trim(),
    };
    const context = { user: command.user_id, text: command.text };
    let parsed: DevenvCommand;
    try {
      parsed = parseDevenvCommand(command.text);
    } catch (error) {
      await ack(ephemeral(failureReply(error, logger, context)));
      return;
    }
    if (parsed.name === 'extend') {
      // Our database only: committed before the ack, the reply rides on it.
      const reply = await runDevenvCommand(services, actor, parsed).catch((error: unknown) =>
        failureReply(error, logger, context),
      );
      await ack(ephemeral(reply));
      return;
    }
    await ack();
    await respondEphemeral(respond, logger, context, () =>
      runDevenvCommand(services, actor, parsed, respond),
    );
  });

  const button = (actionId: string, run: (actor: Actor, env: string) => Promise<Reply>) =>
    buttons.on(actionId, async ({ ack, body, action, respond, client }) => {
      await ack();
      await respondEphemeral(
        replyPath(respond, client, body.user.id),
        logger,
        { user: body.user.id, action: actionId },
        () => run({ userId: body.user.id, commandText: `${actionId} button` }, action.value ?? ''),
      );
    });
  button(ActionIds.devenvDelete, (actor, env) =>
    runDevenvCommand(services, { ...actor, userName: '' }, { name: 'delete', env }),
  );
  button(ActionIds.devenvShowManifests, (actor, env) =>
    runDevenvCommand(services, { ...actor, userName: '' }, { name: 'show', env }),
  );
  // Extend commits, then acks: an acked press is an extended environment.
  buttons.on(ActionIds.devenvExtend, ({ ack, body, action, respond, client }) =>
    commitThenAck(
      ack,
      replyPath(respond, client, body.user.id),
      logger,
      { user: body.user.id, action: ActionIds.devenvExtend },
      async () => {
        const env = action.value ?? '';
        const until = await extendDevenv(
          services.devenv,
          { userId: body.user.id, commandText: `${ActionIds.devenvExtend} button` },
          env,
          EXTEND_BUTTON_SECONDS,
        );
        return extendedLine(env, until, EXTEND_BUTTON_SECONDS);
      },
    ),
  );
}

function extendedLine(env: string, until: Date, seconds: number): string {
  return `:hourglass: *${env}* now lives until ${slackDate(until)} (+${formatDuration(seconds)}).`;
}

/** `respond`, when given, lets a new environment's reply be updated as its targets become ready. */
export async function runDevenvCommand(
  services: Services,
  actor: Actor & { userName: string },
  command: DevenvCommand,
  respond?: RespondFn,
): Promise<Reply> {
  const { devenv } = services;
  switch (command.name) {
    case 'help':
      return devenvHelp(command.unknown);
    case 'create': {
      const created = await createDevenv(devenv, actor, {
        targets: command.targets,
        name: command.envName,
        ttlSeconds: command.ttlSeconds,
        dryRun: command.dryRun,
      });
      if (created.applied && respond) void watchReadiness(services, created, respond);
      return devenvCreatedReply(created, services.routing);
    }
    case 'list':
      return devenvListReply(await listDevenvs(devenv, command.all ? undefined : actor.userId), command.all);
    case 'show':
      return devenvShowReply(await showDevenv(devenv, actor, command.env), services.routing);
    case 'delete': {
      const env = await deleteDevenv(devenv, actor, command.env);
      return textReply(
        `:wastebasket: Environment *${env.name}* is deleted; its routes are gone from the cluster.`,
      );
    }
    case 'extend': {
      const until = await extendDevenv(devenv, actor, command.env, command.seconds);
      return textReply(extendedLine(command.env, until, command.seconds));
    }
    case 'status':
      return devenvStatusReply(
        await listDevenvs(devenv),
        services.upkeep.lastReconcile(),
        devenv.dryRunReason,
      );
  }
}

const READINESS_WINDOW_MS = 3 * 60 * 1000;
/** Slack accepts 5 posts to a response_url; the create reply used one. */
const READINESS_UPDATES_MAX = 4;

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => resolve(true), ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve(false);
      },
      { once: true },
    );
  });
}

/** Re-checks a new environment's targets for a few minutes and updates the reply when readiness changes. */
async function watchReadiness(services: Services, created: DevenvCreated, respond: RespondFn): Promise<void> {
  const cluster = services.devenv.cluster;
  if (!cluster) return;
  const signature = (targets: DevenvCreated['targets']) =>
    JSON.stringify(targets.map((t) => [t.exists, t.readyEndpoints]));
  let last = signature(created.targets);
  const deadline = Date.now() + READINESS_WINDOW_MS;
  for (let updates = 0; updates < READINESS_UPDATES_MAX && Date.now() < deadline;) {
    if (!(await sleep(services.config.devenv.readinessPollSeconds * 1000, services.shutdown))) return;
    if (!(await devenvExists(services.devenv, created.env.name))) return;
    try {
      const targets = await targetStatuses(cluster, created.env);
      if (signature(targets) === last) continue;
      last = signature(targets);
      updates++;
      const reply = devenvCreatedReply({ ...created, targets }, services.routing);
      await respond(ephemeral(reply, true));
    } catch (error) {
      services.logger.warn({ err: error, env: created.env.name }, 'readiness check failed');
    }
  }
}
