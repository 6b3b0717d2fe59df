import { stringify } from 'yaml';
import { describeTarget, type Devenv } from '../../domain/devenv/model.js';
import { preprodHost, routingKeyHeader, type RoutingSettings } from '../../domain/devenv/routing.js';
import type { TargetStatus } from '../../use-cases/devenvs.js';
import type { DevenvCreated } from '../../use-cases/create-devenv.js';
import type { DevenvDetails } from '../../use-cases/show-devenvs.js';
import type { ReconcileOutcome } from '../../use-cases/devenv-upkeep.js';
import type { Override } from '../../domain/devenv/model.js';
import { ActionIds } from '../ids.js';
import {
  actions,
  context,
  escapeText,
  mention,
  section,
  slackDate,
  textReply,
  type Block,
  type Reply,
} from './kit.js';

export function devenvHelp(unknown?: string): Reply {
  const lines = [
    '`/devenv <service>[@target]… [name=<env>] [ttl=<duration>] [dry-run]` create an environment',
    '   target: nothing (your build in the environment’s namespace), `@namespace/name` (another Service), `@host:port` (outside the cluster)',
    '`/devenv list [all]` your environments (or everyone’s)',
    '`/devenv show <env>` the objects applied for it, as YAML',
    '`/devenv extend <env> <duration>` keep it longer',
    '`/devenv delete <env>` remove it (owner or release managers)',
    '`/devenv status` environments and the last reconcile',
  ];
  return {
    text: 'How to use /devenv',
    blocks: [
      ...(unknown ? [section(`Unknown subcommand \`${escapeText(unknown)}\`.`)] : []),
      section('*`/devenv`: your services in development, live pre-prod for everything else*'),
      section(lines.join('\n')),
      context(
        'Requests carrying your routing key go to your versions; nothing is redeployed. Services must propagate the `baggage` header (OpenTelemetry does) for routing beyond the first hop.',
      ),
    ],
  };
}

function targetLine(override: Override, status: TargetStatus | undefined): string {
  const health = !status
    ? ''
    : !status.exists
      ? ' · :warning: target not found yet'
      : status.readyEndpoints === undefined
        ? ' · :white_check_mark: routable'
        : status.readyEndpoints > 0
          ? ` · :white_check_mark: ${status.readyEndpoints} ready endpoint${status.readyEndpoints === 1 ? '' : 's'}`
          : ' · :hourglass_flowing_sand: no ready endpoints yet';
  return `• *${override.service}* → \`${describeTarget(override.target)}\`${health}`;
}

export function yamlBlocks(objects: object[]): Block[] {
  const yaml = objects.map((o) => stringify(o).trimEnd()).join('\n---\n');
  const blocks: Block[] = [];
  for (let i = 0; i < yaml.length && blocks.length < 40; i += 2900)
    blocks.push(section(`\`\`\`${yaml.slice(i, i + 2900)}\`\`\``));
  return blocks.length > 0 ? blocks : [section('_No objects._')];
}

function howToEnter(env: Devenv, routing: RoutingSettings): string[] {
  const header = routingKeyHeader(env.name, routing);
  const firstService = env.overrides[0]?.service ?? 'your-service';
  const lines = [
    `*Enter it* with the header \`${header.name}: ${header.value}\`, e.g.`,
    `\`curl -H '${header.name}: ${header.value}' http://${preprodHost(firstService, routing)}/\``,
  ];
  if (routing.link) lines.push(`*Link:* https://${env.name}.${routing.link.domain}/`);
  return lines;
}

export function devenvButtons(env: string): Block {
  return actions(`devenv:${env}`, [
    { text: 'Show manifests', actionId: ActionIds.devenvShowManifests, value: env },
    { text: 'Extend 4h', actionId: ActionIds.devenvExtend, value: env },
    {
      text: 'Delete',
      actionId: ActionIds.devenvDelete,
      value: env,
      style: 'danger',
      confirm: {
        title: `Delete ${env}?`,
        text: 'Its routes are removed from the cluster.',
        confirm: 'Delete',
      },
    },
  ]);
}

export function devenvCreatedReply(created: DevenvCreated, routing: RoutingSettings): Reply {
  const { env } = created;
  const statusOf = (o: Override) => created.targets.find((t) => t.override.service === o.service);
  const title = created.applied
    ? `:test_tube: Environment *${env.name}* is live until ${slackDate(env.expiresAt)}.`
    : `:memo: *Dry run* for *${env.name}* (${escapeText(created.dryRunReason ?? '')}). These objects would be applied:`;
  const blocks: Block[] = [
    section(title),
    section(env.overrides.map((o) => targetLine(o, statusOf(o))).join('\n')),
  ];
  if (created.applied) {
    blocks.push(section(howToEnter(env, routing).join('\n')));
    blocks.push(devenvButtons(env.name));
  } else {
    blocks.push(...yamlBlocks(created.objects));
  }
  if (created.frozenReleases.length > 0) {
    blocks.push(
      context(
        `:snowflake: ${created.frozenReleases.join(', ')} is frozen. Environments never change pre-prod's default routes, so they are fine during a freeze.`,
      ),
    );
  }
  return {
    text: created.applied ? `Environment ${env.name} is live` : `Dry run for ${env.name}`,
    blocks: blocks.slice(0, 50),
  };
}

export function devenvListReply(envs: Devenv[], all: boolean): Reply {
  if (envs.length === 0)
    return textReply(
      all ? 'No environments are live.' : 'You have no environments. `/devenv blog-service` creates one.',
    );
  const lines = envs.map(
    (e) =>
      `• *${e.name}*${all ? ` (${mention(e.owner)})` : ''}: ${e.overrides.map((o) => o.service).join(', ')} · until ${slackDate(e.expiresAt)}`,
  );
  return {
    text: 'Environments',
    blocks: [section(`*${all ? 'All environments' : 'Your environments'}*\n${lines.join('\n')}`)],
  };
}

/** Drops the server's bookkeeping so what is shown is what matters. */
function tidy(object: object): object {
  const copy = JSON.parse(JSON.stringify(object)) as { metadata?: Record<string, unknown>; status?: unknown };
  if (copy.metadata) {
    for (const key of ['managedFields', 'uid', 'resourceVersion', 'generation', 'creationTimestamp'])
      delete copy.metadata[key];
  }
  delete copy.status;
  return copy;
}

export function devenvShowReply(details: DevenvDetails, routing: RoutingSettings): Reply {
  const { env } = details;
  const statusOf = (o: Override) => details.targets.find((t) => t.override.service === o.service);
  return {
    text: `Environment ${env.name}`,
    blocks: [
      section(`*${env.name}* of ${mention(env.owner)}, until ${slackDate(env.expiresAt)}`),
      section(env.overrides.map((o) => targetLine(o, statusOf(o))).join('\n')),
      section(howToEnter(env, routing).join('\n')),
      context(
        details.observed
          ? 'Objects as they are in the cluster now:'
          : 'Objects release-bot renders for it (no cluster connected):',
      ),
      ...yamlBlocks(details.objects.map(tidy)),
    ].slice(0, 50),
  };
}

export function devenvStatusReply(
  envs: Devenv[],
  last: ReconcileOutcome | undefined,
  dryRunReason: string | undefined,
): Reply {
  const reconcile = !last
    ? 'No reconcile pass has run yet.'
    : last.error
      ? `Last reconcile ${slackDate(last.at)}: not run (${escapeText(last.error)}).`
      : `Last reconcile ${slackDate(last.at)}: ${last.report.applied.length} applied, ${last.report.updated.length} updated, ${last.report.deleted.length} removed, ${last.report.unchanged} unchanged` +
        (last.recovered.length > 0 ? `; finished interrupted: ${last.recovered.join(', ')}` : '') +
        ([...last.report.applied, ...last.report.updated, ...last.report.deleted].length > 0
          ? `\nRepaired: ${[...last.report.applied, ...last.report.updated, ...last.report.deleted].join(', ').slice(0, 1500)}`
          : '');
  return {
    text: 'Developer environments',
    blocks: [
      ...devenvListReply(envs, true).blocks,
      section(reconcile),
      ...(dryRunReason ? [context(`Dry-run mode: ${escapeText(dryRunReason)}.`)] : []),
    ],
  };
}
