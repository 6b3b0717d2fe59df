import { parseDurationSeconds } from '../domain/duration.js';
import { AppError } from '../domain/errors.js';
import { parseEnvName } from '../domain/devenv/model.js';
import { unwrapSlackMarkup } from '../domain/devenv/policy.js';
import { tokenize } from './release-command.js';

export type DevenvCommand =
  | { name: 'help'; unknown?: string }
  | { name: 'list'; all: boolean }
  | { name: 'show'; env: string }
  | { name: 'delete'; env: string }
  | { name: 'extend'; env: string; seconds: number }
  | { name: 'status' }
  | { name: 'create'; targets: string[]; envName?: string; ttlSeconds?: number; dryRun: boolean };

function duration(raw: string | undefined, what: string): number {
  const seconds = raw === undefined ? undefined : parseDurationSeconds(raw);
  if (seconds === undefined)
    throw new AppError(
      'invalid_input',
      `${what}: \`${(raw ?? '').slice(0, 20)}\` is not a duration like 30m, 4h or 2d.`,
    );
  return seconds;
}

function one(args: string[], usage: string): string {
  if (args.length !== 1 || !args[0]) throw new AppError('invalid_input', `Usage: \`/devenv ${usage}\``);
  return parseEnvName(args[0]);
}

function parseCreate(tokens: string[]): DevenvCommand {
  const command: DevenvCommand & { name: 'create' } = { name: 'create', targets: [], dryRun: false };
  for (const token of tokens) {
    if (token === 'dry-run' || token === '--dry-run') command.dryRun = true;
    else if (token.startsWith('name=')) command.envName = parseEnvName(token.slice(5));
    else if (token.startsWith('ttl=')) command.ttlSeconds = duration(token.slice(4), 'ttl');
    else if (token.includes('='))
      throw new AppError(
        'invalid_input',
        `Unknown option \`${token.slice(0, 40)}\`: use name=, ttl= or dry-run.`,
      );
    else command.targets.push(token);
  }
  return command;
}

const SUBCOMMANDS = new Set(['help', 'list', 'show', 'delete', 'extend', 'status']);

export function parseDevenvCommand(text: string): DevenvCommand {
  // The manifest sets should_escape: Slack sends `box.dev:8443` as `<http://box.dev:8443|box.dev:8443>`.
  const tokens = tokenize(unwrapSlackMarkup(text));
  const [sub, ...args] = tokens;
  if (sub === undefined || sub === 'help') return { name: 'help' };
  if (!SUBCOMMANDS.has(sub)) return parseCreate(tokens);
  switch (sub) {
    case 'list':
      if (args.length > 1 || (args[0] && args[0] !== 'all'))
        throw new AppError('invalid_input', 'Usage: `/devenv list [all]`');
      return { name: 'list', all: args[0] === 'all' };
    case 'show':
      return { name: 'show', env: one(args, 'show <env>') };
    case 'delete':
      return { name: 'delete', env: one(args, 'delete <env>') };
    case 'extend': {
      if (args.length !== 2) throw new AppError('invalid_input', 'Usage: `/devenv extend <env> <duration>`');
      return { name: 'extend', env: parseEnvName(args[0] ?? ''), seconds: duration(args[1], 'extend') };
    }
    default:
      return { name: 'status' };
  }
}
