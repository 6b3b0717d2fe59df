import { AppError } from './errors.js';

export interface SignoffRole {
  name: string;
  /** Slack user IDs (U…/W…) and user-group IDs (S…). */
  members: string[];
  quorum: number;
}

export type VoteDecision = 'approve' | 'reject';

export interface Vote {
  voter: string;
  decision: VoteDecision;
  reason: string | null;
  revision: number;
  /** The required roles the voter belonged to when voting. */
  roles: string[];
}

export interface RoleTally {
  role: string;
  quorum: number;
  approvedBy: string[];
  missing: number;
}

export interface SignoffTally {
  roles: RoleTally[];
  rejections: Vote[];
  /** Votes given for an earlier revision of the candidate: shown, never counted. */
  stale: Vote[];
  complete: boolean;
}

export function tallySignoff(
  roles: readonly SignoffRole[],
  votes: readonly Vote[],
  revision: number,
): SignoffTally {
  const current = votes.filter((v) => v.revision === revision);
  const stale = votes.filter((v) => v.revision < revision && !current.some((c) => c.voter === v.voter));
  const rejections = current.filter((v) => v.decision === 'reject');
  const roleTallies = roles.map((role) => {
    const approvedBy = current
      .filter((v) => v.decision === 'approve' && v.roles.includes(role.name))
      .map((v) => v.voter);
    return {
      role: role.name,
      quorum: role.quorum,
      approvedBy,
      missing: Math.max(0, role.quorum - approvedBy.length),
    };
  });
  return {
    roles: roleTallies,
    rejections,
    stale,
    complete: roles.length > 0 && rejections.length === 0 && roleTallies.every((r) => r.missing === 0),
  };
}

/** Why a tally does not allow shipping, in one line; undefined when it does. */
export function describeMissingSignoff(tally: SignoffTally): string | undefined {
  if (tally.complete) return undefined;
  const parts: string[] = [];
  if (tally.roles.length === 0) parts.push('no sign-off roles are configured (`/release role set`)');
  for (const role of tally.roles.filter((r) => r.missing > 0)) {
    parts.push(`${role.role} needs ${role.missing} more approval${role.missing === 1 ? '' : 's'}`);
  }
  for (const rejection of tally.rejections) {
    parts.push(`<@${rejection.voter}> rejected: ${rejection.reason ?? 'no reason given'}`);
  }
  return parts.join('; ');
}

const ROLE_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const SLACK_ID = /^[UWS][A-Z0-9]{2,20}$/;

export function parseRoleName(raw: string | undefined): string {
  const name = (raw ?? '').trim().toLowerCase();
  if (!ROLE_NAME.test(name)) {
    throw new AppError(
      'invalid_input',
      `\`${(raw ?? '').slice(0, 40)}\` is not a valid role name: use up to 32 lowercase letters, digits, \`-\` or \`_\`, starting with a letter.`,
    );
  }
  return name;
}

/**
 * A member as Slack sends it in command text (`<@U123|ana>`, `<!subteam^S456|@qa>`) or a bare ID.
 */
export function parseMember(token: string): string {
  const mention =
    /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(token) ?? /^<!subteam\^(S[A-Z0-9]+)(?:\|[^>]*)?>$/.exec(token);
  const id = mention?.[1] ?? token;
  if (!SLACK_ID.test(id)) {
    throw new AppError(
      'invalid_input',
      `\`${token.slice(0, 40)}\` is not a Slack user or user group: mention them (@ana, @qa-team) or give their ID.`,
    );
  }
  return id;
}

export function parseQuorum(raw: string): number {
  const quorum = Number(raw);
  if (!Number.isInteger(quorum) || quorum < 1 || quorum > 50) {
    throw new AppError(
      'invalid_input',
      `quorum must be a whole number from 1 to 50, not \`${raw.slice(0, 20)}\`.`,
    );
  }
  return quorum;
}

/** `qa=S456:2;product=U123,U789` as SIGNOFF_ROLES seeds them. */
export function parseRoleSeed(seed: string): SignoffRole[] {
  return seed
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const match = /^([^=]+)=([^:]*)(?::(\d+))?$/.exec(part);
      if (!match)
        throw new AppError('invalid_input', `SIGNOFF_ROLES: "${part}" is not name=members[:quorum]`);
      const members = (match[2] ?? '')
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean)
        .map(parseMember);
      if (members.length === 0)
        throw new AppError('invalid_input', `SIGNOFF_ROLES: role "${match[1]}" has no members`);
      return { name: parseRoleName(match[1]), members, quorum: match[3] ? parseQuorum(match[3]) : 1 };
    });
}
