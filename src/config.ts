import { z } from './vendor/zod.js';
import { calendarConfig, calendarFields, type CalendarConfig } from './config/calendar.js';
import { checkDevenv, devenvConfig, devenvFields, type DevenvConfig } from './config/devenv.js';
import { duration, optionalDuration, optionalString, slackPrincipalList } from './config/fields.js';
import { checkFreeze, freezeConfig, freezeFields, type FreezeConfig } from './config/freeze.js';
import { gateConfig, gateFields, type GateConfig } from './config/gate.js';
import { checkStore, storeConfig, storeFields, type StoreConfig } from './config/store.js';
import { checkJira, jiraConfig, jiraFields, type JiraConfig } from './config/jira.js';
import { resolveLogFormat, type LogFormat } from './logger.js';
import { parseRoleSeed } from './domain/signoff.js';

const HTTP_MODE_SECRET = 'is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)';

/** HTTP mode verifies every request with the signing secret; Socket Mode (an app token) needs none. */
function signingSecretMissing(env: { SLACK_APP_TOKEN?: string; SLACK_SIGNING_SECRET?: string }): boolean {
  return !env.SLACK_APP_TOKEN?.trim() && !env.SLACK_SIGNING_SECRET?.trim();
}

/** The process's own settings (Slack, HTTP, the Lease, logs, the database) and every capability's. */
const envSchema = z
  .object({
    SLACK_BOT_TOKEN: z.string().regex(/^xox[bp]-/, 'must be a bot token starting with xoxb-'),
    SLACK_SIGNING_SECRET: optionalString,
    SLACK_APP_TOKEN: z
      .string()
      .regex(/^xapp-/, 'must be an app-level token starting with xapp-')
      .optional()
      .or(z.literal('').transform(() => undefined)),
    SLACK_API_URL: z
      .url()
      .optional()
      .or(z.literal('').transform(() => undefined))
      .transform((u) => (u && !u.endsWith('/') ? `${u}/` : u)),
    SLACK_TIMEOUT: duration('5s'),
    SHUTDOWN_GRACE: duration('10s'),
    OUTBOX_RETENTION: duration('30d'),
    METRICS_PORT: z.coerce
      .number({ error: 'must be a port number' })
      .int()
      .min(1)
      .max(65535)
      .optional()
      .or(z.literal('').transform(() => undefined)),
    LEADER_ELECTION: z.enum(['auto', 'on', 'off']).default('auto'),
    LEASE_NAME: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a DNS label')
      .default('release-bot'),
    LEASE_NAMESPACE: optionalString,
    LEASE_DURATION: duration('15s'),
    LEASE_RENEW_DEADLINE: optionalDuration(),
    LEASE_RETRY_PERIOD: optionalDuration(),
    POD_NAME: optionalString,
    POD_NAMESPACE: optionalString,
    PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    PUBLIC_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://release-bot.example.com' })
      .optional()
      .or(z.literal('').transform(() => undefined))
      .transform((u) => u?.replace(/\/+$/, '')),
    RELEASE_CHANNEL: z.string().regex(/^[CG][A-Z0-9]{2,20}$/, 'must be a channel ID such as C0123ABCD'),
    RELEASE_MANAGERS: slackPrincipalList.optional(),
    SIGNOFF_ROLES: optionalString,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Unset: JSON in production and when stdout is not a terminal, human lines otherwise. */
    LOG_FORMAT: optionalString.pipe(z.enum(['json', 'human']).optional()),
    NODE_ENV: optionalString,

    // Each capability's settings, parsed, checked and mapped in its own module (src/config/).
    ...storeFields,
    ...jiraFields,
    ...gateFields,
    ...calendarFields,
    ...devenvFields,
    ...freezeFields,
  })
  .superRefine((env, ctx) => {
    if (signingSecretMissing(env)) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: HTTP_MODE_SECRET,
      });
    }
    const lease = leaseTiming(env);
    if (!(
      lease.retryPeriodSeconds < lease.renewDeadlineSeconds && lease.renewDeadlineSeconds < env.LEASE_DURATION
    )) {
      ctx.addIssue({
        code: 'custom',
        path: ['LEASE_RENEW_DEADLINE'],
        message: `must be shorter than LEASE_DURATION (${env.LEASE_DURATION}s) and longer than LEASE_RETRY_PERIOD (${lease.retryPeriodSeconds}s)`,
      });
    }
    checkJira(env, ctx);
    if (env.SIGNOFF_ROLES) {
      try {
        parseRoleSeed(env.SIGNOFF_ROLES);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          path: ['SIGNOFF_ROLES'],
          message: (error as Error).message.replace(/^SIGNOFF_ROLES: /, ''),
        });
      }
    }
    checkFreeze(env, ctx);
    checkDevenv(env, ctx);
    checkStore(env, ctx);
  });

export type Env = z.output<typeof envSchema>;

export interface Config {
  /** OUTBOX_RETENTION: how long delivered outbox rows and finished schedule runs are kept. */
  retentionSeconds: number;
  slack: {
    botToken: string;
    signingSecret: string | undefined;
    appToken: string | undefined;
    apiUrl: string | undefined;
    releaseChannel: string;
    /** Per Web API request; a few bounded retries come on top. */
    timeoutSeconds: number;
  };
  /** On SIGTERM: how long to finish requests in flight and flush the outbox before closing. */
  shutdownGraceSeconds: number;
  /** `publicUrl`: where people reach the bot's HTTP API (links to notes.md in Slack). */
  http: { port: number; host: string; metricsPort: number | undefined; publicUrl: string | undefined };
  /** One active instance: a Lease, on by default when a cluster is configured. */
  leaderElection: {
    mode: 'auto' | 'on' | 'off';
    leaseName: string;
    /** Unset: POD_NAMESPACE, then the pre-prod namespace. */
    leaseNamespace: string;
    leaseDurationSeconds: number;
    /** A holder that could not renew for this long stops all work: shorter than the lease duration. */
    renewDeadlineSeconds: number;
    retryPeriodSeconds: number;
    podName: string | undefined;
  };
  databasePath: StoreConfig['databasePath'];
  /** PostgreSQL instead of SQLite, when DATABASE_URL is set. */
  postgres: StoreConfig['postgres'];
  logLevel: Env['LOG_LEVEL'];
  logFormat: LogFormat;
  releaseManagers: { everyone: boolean; ids: string[] } | undefined;
  signoffRolesSeed: string | undefined;
  jira: JiraConfig | undefined;
  /** The release calendar: how dates are read and when reminders go out. */
  calendar: CalendarConfig;

  gate: GateConfig;

  devenv: DevenvConfig;
  freeze: FreezeConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * One readable line per problem, every one at once: a missing setting reads "`X` is required".
 */
function configProblems(
  issues: readonly { path: PropertyKey[]; code: string; message: string }[],
  env: NodeJS.ProcessEnv,
): string[] {
  const lines = issues.map((issue) => {
    const key = issue.path.map(String).join('.') || 'environment';
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    if (missing) return `\`${key}\` is required`;
    return issue.message.startsWith('is required')
      ? `\`${key}\` ${issue.message}`
      : `${key}: ${issue.message}`;
  });
  // zod skips the cross-field checks while a field fails; this one matters too much to be missed then.
  if (signingSecretMissing(env)) {
    const line = `\`SLACK_SIGNING_SECRET\` ${HTTP_MODE_SECRET}`;
    if (!lines.includes(line)) lines.push(line);
  }
  return lines;
}

/** Parses the environment once; every problem is reported as one readable line. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(configProblems(parsed.error.issues, env));
  const e = parsed.data;
  return {
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
      releaseChannel: e.RELEASE_CHANNEL,
      timeoutSeconds: e.SLACK_TIMEOUT,
    },
    shutdownGraceSeconds: e.SHUTDOWN_GRACE,
    retentionSeconds: e.OUTBOX_RETENTION,
    http: { port: e.PORT, host: e.HOST, metricsPort: e.METRICS_PORT, publicUrl: e.PUBLIC_URL },
    leaderElection: {
      mode: e.LEADER_ELECTION,
      leaseName: e.LEASE_NAME,
      leaseNamespace: e.LEASE_NAMESPACE ?? e.POD_NAMESPACE ?? e.DEVENV_PREPROD_NAMESPACE,
      leaseDurationSeconds: e.LEASE_DURATION,
      ...leaseTiming(e),
      podName: e.POD_NAME,
    },
    ...storeConfig(e),
    logLevel: e.LOG_LEVEL,
    logFormat: resolveLogFormat(e, { terminal: process.stdout.isTTY === true, playground: false }),
    releaseManagers: e.RELEASE_MANAGERS,
    signoffRolesSeed: e.SIGNOFF_ROLES,
    jira: jiraConfig(e),
    calendar: calendarConfig(e),

    gate: gateConfig(e),

    devenv: devenvConfig(e),
    freeze: freezeConfig(e),
  };
}

/**
 * client-go's timing: 15 s lease, 10 s renew deadline, 2 s retry period. Left unset, the deadline and the
 * period keep those proportions to LEASE_DURATION.
 */
function leaseTiming(env: {
  LEASE_DURATION: number;
  LEASE_RENEW_DEADLINE: number | undefined;
  LEASE_RETRY_PERIOD: number | undefined;
}): { renewDeadlineSeconds: number; retryPeriodSeconds: number } {
  return {
    renewDeadlineSeconds: env.LEASE_RENEW_DEADLINE ?? (env.LEASE_DURATION * 2) / 3,
    retryPeriodSeconds: env.LEASE_RETRY_PERIOD ?? (env.LEASE_DURATION * 2) / 15,
  };
}
