import { z } from './vendor/zod.js';
import { resolveLogFormat, type LogFormat } from './logger.js';
import { parseCidr } from './domain/devenv/addresses.js';
import { parseDurationSeconds } from './domain/duration.js';
import { isTimeZone, parseTimeOfDay, parseWorkingHours, type WorkingHours } from './domain/calendar.js';
import { parseRoleSeed } from './domain/signoff.js';

/** Slack user (U…/W…) or user-group (S…) IDs, or `*` for everyone. */
const slackPrincipalList = z
  .string()
  .trim()
  .transform((raw, ctx) => {
    if (raw === '') return undefined;
    if (raw === '*') return { everyone: true as const, ids: [] as string[] };
    const ids = raw
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    for (const id of ids) {
      if (!/^[UWS][A-Z0-9]{2,20}$/.test(id)) {
        ctx.addIssue({
          code: 'custom',
          message: `"${id}" is not a Slack user (U…/W…) or user-group (S…) ID`,
        });
      }
    }
    return { everyone: false as const, ids };
  });

const commaList = z.string().transform((raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** A duration that may be left unset (its default then follows another setting). */
const optionalDuration = () =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return undefined;
      const seconds = parseDurationSeconds(raw);
      if (seconds === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${raw}" is not a duration like 10s or 2s` });
        return z.NEVER;
      }
      return seconds;
    });

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((raw, ctx) => {
      const seconds = parseDurationSeconds(raw);
      if (seconds === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${raw}" is not a duration like 30m, 8h or 2d` });
        return z.NEVER;
      }
      return seconds;
    });

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .default('false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

const HTTP_MODE_SECRET = 'is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)';

/** HTTP mode verifies every request with the signing secret; Socket Mode (an app token) needs none. */
function signingSecretMissing(env: { SLACK_APP_TOKEN?: string; SLACK_SIGNING_SECRET?: string }): boolean {
  return !env.SLACK_APP_TOKEN?.trim() && !env.SLACK_SIGNING_SECRET?.trim();
}

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
    DATABASE_PATH: z.string().min(1).default('./data/release-bot.sqlite'),
    RELEASE_CHANNEL: z.string().regex(/^[CG][A-Z0-9]{2,20}$/, 'must be a channel ID such as C0123ABCD'),
    RELEASE_MANAGERS: slackPrincipalList.optional(),
    SIGNOFF_ROLES: optionalString,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Unset: JSON in production and when stdout is not a terminal, human lines otherwise. */
    LOG_FORMAT: optionalString.pipe(z.enum(['json', 'human']).optional()),
    NODE_ENV: optionalString,

    JIRA_BASE_URL: z
      .url()
      .optional()
      .or(z.literal('').transform(() => undefined)),
    JIRA_EMAIL: optionalString,
    JIRA_API_TOKEN: optionalString,
    JIRA_PROJECTS: commaList
      .default([])
      .pipe(z.array(z.string().regex(/^[A-Z][A-Z0-9_]{0,19}$/, 'Jira project keys look like BLOG or TAG_2'))),
    JIRA_VERSION_NAME: z
      .string()
      .default('{version}')
      .refine((t) => t.includes('{version}'), {
        message: 'must contain {version}',
      }),
    JIRA_SCOPE_CACHE: duration('60s'),
    JIRA_TIMEOUT: duration('10s'),

    GATE_API_TOKEN: commaList.default([]),
    GATE_FIX_TYPES: commaList.default(['Bug']),
    GATE_ENVIRONMENTS: commaList.default(['preprod']),
    GATE_FAIL_OPEN: booleanFlag,
    GATE_ISSUE_CACHE: duration('30s'),
    RELEASE_TIMEZONE: z
      .string()
      .default('UTC')
      .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin or UTC'),
    RELEASE_FREEZE_TIME: z
      .string()
      .default('09:00')
      .transform((raw, ctx) => {
        const time = parseTimeOfDay(raw);
        if (!time) {
          ctx.addIssue({ code: 'custom', message: `"${raw}" is not a time of day like 09:00` });
          return z.NEVER;
        }
        return time;
      }),
    FREEZE_REMINDER: duration('24h'),
    SIGNOFF_REMINDER: duration('24h'),
    SHIP_REMINDER: duration('4h'),
    WORKING_HOURS: z
      .string()
      .default('09:00-18:00')
      .refine(
        (raw) => parseWorkingHours(raw, 'UTC') !== undefined,
        'must look like 09:00-18:00 or 09:00-18:00 Mon-Fri (start before end)',
      ),
    JIRA_RELEASE_NOTES: z.enum(['off', 'description']).default('off'),

    KUBECONFIG: optionalString,
    KUBERNETES_SERVICE_HOST: optionalString,
    DEVENV_MODE: z.enum(['auto', 'dry-run']).default('auto'),
    DEVENV_MESH: z.enum(['istio', 'gateway-api']).default('istio'),
    DEVENV_PREPROD_NAMESPACE: z.string().default('preprod'),
    DEVENV_SERVICE_SELECTOR: optionalString,
    DEVENV_NAMESPACE_TEMPLATE: z.string().default('devenv-{env}'),
    DEVENV_ROUTING_HEADER: optionalString.pipe(
      z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a lowercase HTTP header name')
        .optional(),
    ),
    DEVENV_DOMAIN: optionalString,
    DEVENV_GATEWAY: optionalString.pipe(
      z
        .string()
        .regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, 'must be namespace/name')
        .optional(),
    ),
    DEVENV_ENTRY_SERVICE: optionalString,
    DEVENV_CLUSTER_DOMAIN: z.string().default('cluster.local'),
    DEVENV_TTL_DEFAULT: duration('8h'),
    DEVENV_TTL_MAX: duration('72h'),
    DEVENV_RECONCILE_INTERVAL: duration('5m'),
    DEVENV_READINESS_POLL: duration('15s'),
    KUBE_TIMEOUT: duration('10s'),
    DEVENV_USERS: slackPrincipalList.optional(),
    DEVENV_TARGET_NAMESPACES: commaList
      .default([])
      .pipe(
        z.array(z.string().regex(/^[a-z0-9*?][a-z0-9*?-]{0,62}$/, 'namespace names or globs like team-*')),
      ),
    DEVENV_EXTERNAL_HOSTS: commaList
      .default([])
      .transform((hosts) => hosts.map((h) => h.toLowerCase()))
      .pipe(
        z.array(
          z
            .string()
            .regex(
              /^\.?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/,
              'host names, or .suffix entries like .dev.example.com',
            ),
        ),
      ),
    DEVENV_CLUSTER_CIDRS: commaList
      .default([])
      .pipe(
        z.array(
          z
            .string()
            .refine((c) => parseCidr(c) !== undefined, 'CIDR ranges like 10.96.0.0/12 or fd00:10::/108'),
        ),
      ),
    DEVENV_DNS_SERVERS: commaList
      .default([])
      .pipe(
        z.array(
          z
            .string()
            .regex(
              /^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-f:]+\](:\d{1,5})?|[0-9a-f:]+)$/i,
              'DNS server addresses like 10.96.0.10 or 127.0.0.1:5353',
            ),
        ),
      ),
    FREEZE_NAMESPACES: commaList
      .default([])
      .pipe(
        z.array(z.string().regex(/^[a-z0-9*?][a-z0-9*?-]{0,62}$/, 'namespace names or globs like preprod-*')),
      ),
    FREEZE_SERVICE_LABEL: z
      .string()
      .regex(
        /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/,
        'must be a Kubernetes label key like app.kubernetes.io/name',
      )
      .default('app.kubernetes.io/name'),
    FREEZE_ENFORCEMENT: z.enum(['off', 'warn', 'deny']).default('off'),
    FREEZE_RECONCILE_INTERVAL: duration('1m'),
    DEVENV_MAX_PER_USER: z.coerce.number().int().min(1).default(3),
    DEVENV_MAX_TOTAL: z.coerce.number().int().min(1).default(200),
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
    const jira = [env.JIRA_BASE_URL, env.JIRA_EMAIL, env.JIRA_API_TOKEN];
    if (jira.some(Boolean) && !jira.every(Boolean)) {
      ctx.addIssue({
        code: 'custom',
        path: ['JIRA_BASE_URL'],
        message: 'JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN go together: set all three or none',
      });
    }
    if (env.JIRA_BASE_URL && env.JIRA_PROJECTS.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['JIRA_PROJECTS'],
        message: 'is required when Jira is configured',
      });
    }
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
    if (env.DEVENV_MESH === 'gateway-api' && !env.DEVENV_ROUTING_HEADER) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEVENV_ROUTING_HEADER'],
        message:
          'is required with DEVENV_MESH=gateway-api (Gateway API matches headers exactly; baggage regex is not Core)',
      });
    }
    if (env.FREEZE_ENFORCEMENT !== 'off' && env.FREEZE_NAMESPACES.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['FREEZE_NAMESPACES'],
        message:
          'is required with FREEZE_ENFORCEMENT=warn or deny (the namespaces whose parameter the bot writes)',
      });
    }
    if (!env.DEVENV_NAMESPACE_TEMPLATE.includes('{env}')) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEVENV_NAMESPACE_TEMPLATE'],
        message: 'must contain {env} (every environment has its own namespace)',
      });
    }
    const link = {
      DEVENV_DOMAIN: env.DEVENV_DOMAIN,
      DEVENV_GATEWAY: env.DEVENV_GATEWAY,
      DEVENV_ENTRY_SERVICE: env.DEVENV_ENTRY_SERVICE,
    };
    const linkSet = Object.entries(link).filter(([, v]) => v);
    if (linkSet.length > 0 && linkSet.length < 3) {
      ctx.addIssue({
        code: 'custom',
        path: [Object.entries(link).find(([, v]) => !v)![0]],
        message: `the per-environment link needs DEVENV_DOMAIN, DEVENV_GATEWAY and DEVENV_ENTRY_SERVICE together (${linkSet.map(([k]) => k).join(', ')} set): set all three or none`,
      });
    }
    if (env.DEVENV_TTL_DEFAULT > env.DEVENV_TTL_MAX) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEVENV_TTL_DEFAULT'],
        message: 'must not exceed DEVENV_TTL_MAX',
      });
    }
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
  databasePath: string;
  logLevel: Env['LOG_LEVEL'];
  logFormat: LogFormat;
  releaseManagers: { everyone: boolean; ids: string[] } | undefined;
  signoffRolesSeed: string | undefined;
  jira:
    | {
        baseUrl: string;
        email: string;
        apiToken: string;
        projects: string[];
        versionNameTemplate: string;
        scopeCacheSeconds: number;
        timeoutSeconds: number;
        /** `description`: a short form of the release notes goes into each Jira version at ship. */
        releaseNotes: 'off' | 'description';
      }
    | undefined;
  /** The release calendar: how dates are read and when reminders go out. */
  calendar: {
    zone: string;
    defaultTime: { hour: number; minute: number };
    freezeReminderSeconds: number;
    signoffReminderSeconds: number;
    shipReminderSeconds: number;
    workingHours: WorkingHours;
  };
  gate: {
    tokens: string[];
    fixTypes: string[];
    environments: string[];
    failOpen: boolean;
    issueCacheSeconds: number;
  };
  devenv: {
    mode: 'auto' | 'dry-run';
    mesh: 'istio' | 'gateway-api';
    kubeconfigPath: string | undefined;
    /** Running in a pod: the in-cluster service account is used when no kubeconfig is given. */
    inCluster: boolean;
    preprodNamespace: string;
    serviceSelector: string | undefined;
    namespaceTemplate: string;
    routingHeader: string | undefined;
    domain: string | undefined;
    gateway: string | undefined;
    entryService: string | undefined;
    clusterDomain: string;
    ttlDefaultSeconds: number;
    ttlMaxSeconds: number;
    reconcileIntervalSeconds: number;
    readinessPollSeconds: number;
    kubeTimeoutSeconds: number;
    maxPerUser: number;
    maxTotal: number;
    users: { everyone: boolean; ids: string[] };
    targetNamespaces: string[];
    externalHosts: string[];
    /** The cluster's service and pod ranges: an outside host resolving into them is refused. */
    clusterCidrs: string[];
    /** DNS servers outside hosts are resolved with; empty: the system's. */
    dnsServers: string[];
  };
  freeze: {
    /** Empty: the candidate is not read from the cluster, and nothing below runs. */
    namespaces: string[];
    serviceLabel: string;
    enforcement: 'off' | 'warn' | 'deny';
    reconcileIntervalSeconds: number;
  };
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
    databasePath: e.DATABASE_PATH,
    logLevel: e.LOG_LEVEL,
    logFormat: resolveLogFormat(e, { terminal: process.stdout.isTTY === true, playground: false }),
    releaseManagers: e.RELEASE_MANAGERS,
    signoffRolesSeed: e.SIGNOFF_ROLES,
    jira:
      e.JIRA_BASE_URL && e.JIRA_EMAIL && e.JIRA_API_TOKEN
        ? {
            baseUrl: e.JIRA_BASE_URL.replace(/\/+$/, ''),
            email: e.JIRA_EMAIL,
            apiToken: e.JIRA_API_TOKEN,
            projects: e.JIRA_PROJECTS,
            versionNameTemplate: e.JIRA_VERSION_NAME,
            scopeCacheSeconds: e.JIRA_SCOPE_CACHE,
            timeoutSeconds: e.JIRA_TIMEOUT,
            releaseNotes: e.JIRA_RELEASE_NOTES,
          }
        : undefined,
    calendar: {
      zone: e.RELEASE_TIMEZONE,
      defaultTime: e.RELEASE_FREEZE_TIME,
      freezeReminderSeconds: e.FREEZE_REMINDER,
      signoffReminderSeconds: e.SIGNOFF_REMINDER,
      shipReminderSeconds: e.SHIP_REMINDER,
      workingHours: parseWorkingHours(e.WORKING_HOURS, e.RELEASE_TIMEZONE)!,
    },
    gate: {
      tokens: e.GATE_API_TOKEN,
      fixTypes: e.GATE_FIX_TYPES,
      environments: e.GATE_ENVIRONMENTS,
      failOpen: e.GATE_FAIL_OPEN,
      issueCacheSeconds: e.GATE_ISSUE_CACHE,
    },
    devenv: {
      mode: e.DEVENV_MODE,
      mesh: e.DEVENV_MESH,
      kubeconfigPath: e.KUBECONFIG,
      inCluster: Boolean(e.KUBERNETES_SERVICE_HOST),
      preprodNamespace: e.DEVENV_PREPROD_NAMESPACE,
      serviceSelector: e.DEVENV_SERVICE_SELECTOR,
      namespaceTemplate: e.DEVENV_NAMESPACE_TEMPLATE,
      routingHeader: e.DEVENV_ROUTING_HEADER,
      domain: e.DEVENV_DOMAIN,
      gateway: e.DEVENV_GATEWAY,
      entryService: e.DEVENV_ENTRY_SERVICE,
      clusterDomain: e.DEVENV_CLUSTER_DOMAIN,
      ttlDefaultSeconds: e.DEVENV_TTL_DEFAULT,
      ttlMaxSeconds: e.DEVENV_TTL_MAX,
      reconcileIntervalSeconds: e.DEVENV_RECONCILE_INTERVAL,
      readinessPollSeconds: e.DEVENV_READINESS_POLL,
      kubeTimeoutSeconds: e.KUBE_TIMEOUT,
      maxPerUser: e.DEVENV_MAX_PER_USER,
      maxTotal: e.DEVENV_MAX_TOTAL,
      users: e.DEVENV_USERS ?? { everyone: true, ids: [] },
      targetNamespaces: e.DEVENV_TARGET_NAMESPACES,
      externalHosts: e.DEVENV_EXTERNAL_HOSTS,
      clusterCidrs: e.DEVENV_CLUSTER_CIDRS,
      dnsServers: e.DEVENV_DNS_SERVERS,
    },
    freeze: {
      namespaces: e.FREEZE_NAMESPACES,
      serviceLabel: e.FREEZE_SERVICE_LABEL,
      enforcement: e.FREEZE_ENFORCEMENT,
      reconcileIntervalSeconds: e.FREEZE_RECONCILE_INTERVAL,
    },
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
