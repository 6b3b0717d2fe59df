import { AppError } from '../errors.js';

/** Where requests for an overridden service go instead of pre-prod. */
export type OverrideTarget =
  /** The Service of the same name in the environment's own namespace (the default). */
  | { kind: 'devenv-namespace'; namespace: string; service: string }
  /** Another in-cluster Service: `svc@namespace/name`. */
  | { kind: 'cluster'; namespace: string; service: string }
  /** An endpoint outside the cluster, made routable with a ServiceEntry: `svc@host:port`. */
  | { kind: 'external'; host: string; port: number };

export interface Override {
  service: string;
  target: OverrideTarget;
}

export interface Devenv {
  name: string;
  owner: string;
  overrides: Override[];
  expiresAt: Date;
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
export const ENV_NAME_MAX = 30;

export function isDnsLabel(text: string, max = 63): boolean {
  return text.length <= max && DNS_LABEL.test(text);
}

export function parseEnvName(raw: string): string {
  if (!isDnsLabel(raw, ENV_NAME_MAX)) {
    throw new AppError(
      'invalid_input',
      `\`${raw.slice(0, 40)}\` is not a valid environment name: up to ${ENV_NAME_MAX} lowercase letters, digits and \`-\`, starting and ending with a letter or digit.`,
    );
  }
  return raw;
}

export function parseServiceName(raw: string): string {
  if (!isDnsLabel(raw)) {
    throw new AppError(
      'invalid_input',
      `\`${raw.slice(0, 70)}\` is not a service name (lowercase letters, digits and \`-\`).`,
    );
  }
  return raw;
}

/** `<slack name>-<suffix>`, cut to fit and made a DNS label. */
export function deriveEnvName(slackName: string, suffix: string): string {
  const base = slackName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, ENV_NAME_MAX - suffix.length - 1)
    .replace(/-+$/g, '');
  return `${base || 'dev'}-${suffix}`;
}

export function namespaceFor(template: string, env: string): string {
  return template.replace('{env}', env);
}

/** `svc`, `svc@namespace/name` or `svc@host:port`. */
export function parseOverride(token: string, envNamespace: string): Override {
  const at = token.indexOf('@');
  const service = parseServiceName(at === -1 ? token : token.slice(0, at));
  if (at === -1) return { service, target: { kind: 'devenv-namespace', namespace: envNamespace, service } };
  const target = token.slice(at + 1);
  const cluster = /^([^/]+)\/([^/]+)$/.exec(target);
  if (cluster) {
    const [, namespace = '', name = ''] = cluster;
    if (!isDnsLabel(namespace) || !isDnsLabel(name)) {
      throw new AppError('invalid_input', `\`${target.slice(0, 80)}\` is not namespace/name of a Service.`);
    }
    return { service, target: { kind: 'cluster', namespace, service: name } };
  }
  const external = /^([^:]+):(\d{1,5})$/.exec(target);
  if (external) {
    const [, rawHost = '', portText = ''] = external;
    // DNS names are case-insensitive: every later check (allow-list, policy) sees the lower-case form.
    const host = rawHost.toLowerCase();
    const port = Number(portText);
    if (!DNS_NAME.test(host) || !host.includes('.') || port < 1 || port > 65535) {
      throw new AppError(
        'invalid_input',
        `\`${target.slice(0, 80)}\` is not host:port of an endpoint (e.g. dev-box.example.com:8080).`,
      );
    }
    return { service, target: { kind: 'external', host, port } };
  }
  throw new AppError(
    'invalid_input',
    `\`${token.slice(0, 80)}\`: a target is \`service@namespace/name\` (in the cluster) or \`service@host:port\` (outside).`,
  );
}

export function describeTarget(target: OverrideTarget): string {
  switch (target.kind) {
    case 'devenv-namespace':
    case 'cluster':
      return `${target.namespace}/${target.service}`;
    case 'external':
      return `${target.host}:${target.port}`;
  }
}

/** Edit distance, for "did you mean" on unknown services. */
export function closestNames(name: string, candidates: readonly string[], max = 3): string[] {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length]!;
  };
  return candidates
    .map((c) => ({ c, d: distance(name, c) }))
    .filter(
      ({ c, d }) => d <= Math.max(2, Math.floor(name.length / 3)) || c.includes(name) || name.includes(c),
    )
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .slice(0, max)
    .map(({ c }) => c);
}
