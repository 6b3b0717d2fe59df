import { parseWhen, type WhenText } from '../domain/calendar.js';
import { AppError } from '../domain/errors.js';
import { parseMember, parseQuorum, parseRoleName } from '../domain/signoff.js';
import { parseVersionName } from '../domain/version.js';
import { ISSUE_KEY, normalizeIssueKey, SERVICE_NAME } from '../domain/gate.js';
import { isImageReference } from '../domain/candidate.js';

export type ReleaseCommand =
  | { name: 'help'; unknown?: string }
  | { name: 'create'; version: string; freeze?: WhenText; ship?: WhenText; createJiraVersions: boolean }
  | { name: 'schedule'; version: string; freeze?: WhenText; ship?: WhenText }
  | { name: 'remind'; version: string }
  | { name: 'calendar'; page: number }
  | { name: 'notes'; version: string }
  | { name: 'freeze'; version: string; note?: string }
  | { name: 'unfreeze'; version: string; reason?: string }
  | { name: 'cancel'; version: string; reason: string }
  | { name: 'ship'; version: string }
  | { name: 'status'; version?: string }
  | { name: 'list' }
  | { name: 'log'; version: string; page: number; before?: number; oldest?: boolean }
  | { name: 'scope'; version: string; page: number }
  | { name: 'jira-sync'; version: string }
  | { name: 'role-set'; role: string; members: string[]; quorum: number }
  | { name: 'role-remove'; role: string }
  | { name: 'role-list' }
  | {
      name: 'exception';
      version: string;
      issueKey: string;
      service: string;
      reason: string;
      images: string[];
    }
  | { name: 'outbox'; retry: boolean }
  | { name: 'candidate'; ref: string }
  | { name: 'diff'; from: string; to: string }
  | { name: 'allow'; version?: string; service: string; image: string; reason: string }
  | { name: 'exceptions'; version: string }
  | { name: 'announce'; version: string };

/** Words, keeping Slack's `<…>` mentions whole even when their label has spaces. */
export function tokenize(text: string): string[] {
  return text.match(/<[^>]*>|\S+/g) ?? [];
}

const TIME_OF_DAY = /^\d{1,2}:\d{2}$/;
/** IANA names look like Area/Place (Europe/Berlin, America/Argentina/Salta) or UTC. */
const ZONE_NAME = /^(?:UTC|GMT|[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)+)$/;

/**
 * `freeze=` and `ship=` options and the words that belong to them: a separate time (`09:00`) and a zone
 * (`Europe/Berlin`) may follow the date as words of their own.
 */
function parseDateOptions(
  args: string[],
  usageLine: string,
  extra: (key: string, value: string, option: string) => boolean,
): { freeze?: WhenText; ship?: WhenText } {
  const found: { freeze?: WhenText; ship?: WhenText } = {};
  for (let i = 0; i < args.length; i++) {
    const option = args[i]!;
    const [key = '', value = ''] = option.split('=', 2);
    if (key === 'freeze' || key === 'ship') {
      if (!value) throw usage(usageLine);
      let text = value;
      if (args[i + 1] !== undefined && TIME_OF_DAY.test(args[i + 1]!) && !text.includes('T')) {
        text = `${text} ${args[++i]!}`;
      }
      const zone = args[i + 1] !== undefined && ZONE_NAME.test(args[i + 1]!) ? args[++i] : undefined;
      // Refused here already when it cannot be a date at all; the use case reads it in the release zone.
      parseWhen(key, text, zone, SYNTAX_ONLY);
      found[key] = zone ? { text, zone } : { text };
    } else if (!extra(key, value, option)) {
      throw new AppError(
        'invalid_input',
        `Unknown option \`${option.slice(0, 40)}\`. Usage: \`/release ${usageLine}\``,
      );
    }
  }
  return found;
}

const SYNTAX_ONLY = { zone: 'UTC', defaultTime: { hour: 0, minute: 0 } };

const WHEN_USAGE = '[freeze=YYYY-MM-DD[ HH:MM][ Zone/Name]] [ship=…]';

function parsePage(raw: string | undefined): number {
  if (raw === undefined) return 1;
  const match = /^(?:page=)?(\d{1,7})$/.exec(raw);
  if (!match || Number(match[1]) < 1)
    throw new AppError('invalid_input', `\`${raw.slice(0, 20)}\` is not a page: use page=2.`);
  return Number(match[1]);
}

function usage(text: string): AppError {
  return new AppError('invalid_input', `Usage: \`/release ${text}\``);
}

function rest(tokens: string[], from: number): string | undefined {
  const joined = tokens.slice(from).join(' ').trim();
  return joined || undefined;
}

function parseCreate(args: string[]): ReleaseCommand {
  const usageLine = `create <version> ${WHEN_USAGE} [jira=create]`;
  if (args.length === 0) throw usage(usageLine);
  let createJiraVersions = false;
  const dates = parseDateOptions(args.slice(1), usageLine, (key, value) => {
    if (key !== 'jira' || value !== 'create') return false;
    createJiraVersions = true;
    return true;
  });
  return { name: 'create', version: parseVersionName(args[0]), createJiraVersions, ...dates };
}

function parseSchedule(args: string[]): ReleaseCommand {
  const usageLine = `schedule <version> ${WHEN_USAGE}`;
  const version = requiredVersion(args, usageLine);
  const dates = parseDateOptions(args.slice(1), usageLine, () => false);
  if (!dates.freeze && !dates.ship) throw usage(usageLine);
  return { name: 'schedule', version, ...dates };
}

function parseRole(args: string[]): ReleaseCommand {
  const [verb, ...more] = args;
  if (verb === 'list') return { name: 'role-list' };
  if (verb === 'remove') {
    if (more.length !== 1) throw usage('role remove <name>');
    return { name: 'role-remove', role: parseRoleName(more[0]) };
  }
  if (verb === 'set') {
    if (more.length < 2) throw usage('role set <name> <@members or @groups…> [quorum=N]');
    const role = parseRoleName(more[0]);
    let quorum = 1;
    const members: string[] = [];
    for (const token of more.slice(1)) {
      if (token.startsWith('quorum=')) quorum = parseQuorum(token.slice('quorum='.length));
      else members.push(parseMember(token));
    }
    if (members.length === 0) throw usage('role set <name> <@members or @groups…> [quorum=N]');
    return { name: 'role-set', role, members: [...new Set(members)], quorum };
  }
  throw usage('role set|remove|list …');
}

/** `image=<ref>` words, taken out of the rest of a command. */
function takeImages(args: string[]): { images: string[]; others: string[] } {
  const images: string[] = [];
  const others: string[] = [];
  for (const word of args) {
    if (!word.startsWith('image=')) {
      others.push(word);
      continue;
    }
    images.push(parseImage(word.slice('image='.length)));
  }
  return { images: [...new Set(images)], others };
}

function parseImage(raw: string): string {
  if (!isImageReference(raw)) {
    throw new AppError(
      'invalid_input',
      `\`${raw.slice(0, 80)}\` is not an image reference: use one like \`registry.example.com/blog:2.4.1\` or \`…@sha256:<digest>\`.`,
    );
  }
  return raw;
}

function parseException(words: string[]): ReleaseCommand {
  const { images, others: args } = takeImages(words);
  const [version, rawKey, service] = args;
  const issueKey = rawKey === undefined ? undefined : normalizeIssueKey(rawKey);
  const reason = rest(args, 3);
  if (!version || !issueKey || !service || !reason) {
    throw usage('exception <version> <ISSUE-KEY> <service> <reason> [image=<ref>…]');
  }
  if (!ISSUE_KEY.test(issueKey)) {
    throw new AppError(
      'invalid_input',
      `\`${issueKey.slice(0, 30)}\` is not a Jira issue key like BLOG-123.`,
    );
  }
  if (!SERVICE_NAME.test(service)) {
    throw new AppError(
      'invalid_input',
      `\`${service.slice(0, 70)}\` is not a service name (lowercase letters, digits, -).`,
    );
  }
  return { name: 'exception', version: parseVersionName(version), issueKey, service, reason, images };
}

const ALLOW_USAGE = 'allow [<version>] <service> <image> <reason>';

/** `allow [version] <service> <image> <reason>`: the version may be left out while one release is frozen. */
function parseAllow(args: string[]): ReleaseCommand {
  const imageAt = args.findIndex(
    (word, i) => i > 0 && i <= 2 && word.includes(':') && isImageReference(word),
  );
  if (imageAt < 1) throw usage(ALLOW_USAGE);
  const service = args[imageAt - 1]!;
  const version = imageAt === 2 ? parseVersionName(args[0]) : undefined;
  const reason = rest(args, imageAt + 1);
  if (!reason) throw usage(ALLOW_USAGE);
  if (!SERVICE_NAME.test(service)) {
    throw new AppError(
      'invalid_input',
      `\`${service.slice(0, 70)}\` is not a service name (lowercase letters, digits, -).`,
    );
  }
  return { name: 'allow', ...(version ? { version } : {}), service, image: args[imageAt]!, reason };
}

/** The version argument a subcommand requires, or its usage line. */
function requiredVersion(args: string[], usageLine: string): string {
  if (!args[0]) throw usage(usageLine);
  return parseVersionName(args[0]);
}

const SUBCOMMANDS: Record<string, (args: string[]) => ReleaseCommand> = {
  help: () => ({ name: 'help' }),
  create: parseCreate,
  freeze: (args) => ({
    name: 'freeze',
    version: requiredVersion(args, 'freeze <version> [note]'),
    note: rest(args, 1),
  }),
  unfreeze: (args) => ({
    name: 'unfreeze',
    version: requiredVersion(args, 'unfreeze <version> [reason]'),
    reason: rest(args, 1),
  }),
  cancel: (args) => {
    const reason = rest(args, 1);
    if (!reason) throw usage('cancel <version> <reason>');
    return { name: 'cancel', version: requiredVersion(args, 'cancel <version> <reason>'), reason };
  },
  ship: (args) => ({ name: 'ship', version: requiredVersion(args, 'ship <version>') }),
  status: (args) => (args[0] ? { name: 'status', version: parseVersionName(args[0]) } : { name: 'status' }),
  list: () => ({ name: 'list' }),
  log: (args) => {
    const version = requiredVersion(args, 'log <version> [page=N|before=<id>|oldest]');
    if (args[1] === 'oldest') return { name: 'log', version, page: 1, oldest: true };
    const before = /^before=(\d{1,12})$/.exec(args[1] ?? '')?.[1];
    return before
      ? { name: 'log', version, page: 1, before: Number(before) }
      : { name: 'log', version, page: parsePage(args[1]) };
  },
  scope: (args) => ({
    name: 'scope',
    version: requiredVersion(args, 'scope <version> [page=N]'),
    page: parsePage(args[1]),
  }),
  'jira-sync': (args) => ({ name: 'jira-sync', version: requiredVersion(args, 'jira-sync <version>') }),
  role: parseRole,
  exception: parseException,
  exceptions: (args) => ({ name: 'exceptions', version: requiredVersion(args, 'exceptions <version>') }),
  announce: (args) => ({ name: 'announce', version: requiredVersion(args, 'announce <version>') }),
  schedule: parseSchedule,
  remind: (args) => ({ name: 'remind', version: requiredVersion(args, 'remind <version>') }),
  calendar: (args) => ({ name: 'calendar', page: parsePage(args[0]) }),
  notes: (args) => ({ name: 'notes', version: requiredVersion(args, 'notes <version>') }),
  candidate: (args) => {
    const usageLine = 'candidate <version> [revision]';
    if (!args[0] || args.length > 2) throw usage(usageLine);
    const revision = args[1]?.replace(/^(?:r|revision=)/, '');
    if (revision !== undefined && !/^\d{1,6}$/.test(revision)) throw usage(usageLine);
    return { name: 'candidate', ref: revision ? `${args[0]}@${revision}` : args[0] };
  },
  diff: (args) => {
    if (args.length !== 2) throw usage('diff <from> <to>  (a release like 2.3, or a revision like 2.4@2)');
    return { name: 'diff', from: args[0]!, to: args[1]! };
  },
  allow: parseAllow,
  outbox: (args) => {
    if (args.length === 0) return { name: 'outbox', retry: false };
    if (args.length === 1 && args[0] === 'retry') return { name: 'outbox', retry: true };
    throw usage('outbox [retry]');
  },
};

export function parseReleaseCommand(text: string): ReleaseCommand {
  const [sub, ...args] = tokenize(text);
  if (sub === undefined) return { name: 'help' };
  const key = sub.toLowerCase();
  // Own keys only: `constructor` or `__proto__` must read as unknown subcommands.
  const parse = Object.hasOwn(SUBCOMMANDS, key) ? SUBCOMMANDS[key] : undefined;
  return parse ? parse(args) : { name: 'help', unknown: sub.slice(0, 30) };
}
