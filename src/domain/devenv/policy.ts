import type { Override } from './model.js';

/** Who may create environments and where their routes may point: the rules, without I/O. */
export interface DevenvPolicy {
  /** `DEVENV_USERS`: user and group IDs, or everyone. Release managers may always create. */
  creators: { everyone: boolean; ids: string[] };
  /** `DEVENV_TARGET_NAMESPACES`: names or globs (`team-*`) besides the environment's own namespace. */
  targetNamespaces: string[];
  /** `DEVENV_EXTERNAL_HOSTS`: exact names, or `.suffix` entries; empty means outside targets are off. */
  externalHosts: string[];
  clusterDomain: string;
  /** `DEVENV_CLUSTER_CIDRS`: the cluster's service and pod ranges, where an outside host may not resolve. */
  clusterCidrs: string[];
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[a-z0-9-]*')
    .replace(/\?/g, '[a-z0-9-]');
  return new RegExp(`^${escaped}$`);
}

function matchesNamespace(namespace: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => globToRegExp(p).test(namespace));
}

function matchesHost(host: string, entries: readonly string[]): boolean {
  return entries.some((entry) =>
    entry.startsWith('.') ? host.endsWith(entry) && host.length > entry.length : host === entry,
  );
}

const IPV4_PART = /^(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/;

/**
 * Whether a host is an IP address in any form a resolver accepts: dotted v4 with decimal, octal or hex
 * parts (`0x7f.0.0.1`, `0177.0.0.1`), a single number (`2130706433`, `0x7f000001`), or any v6 form.
 */
export function isIpLiteral(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h.includes(':')) return true;
  const parts = h.split('.');
  if (parts.length <= 4 && parts.every((p) => IPV4_PART.test(p))) return true;
  // No top-level domain is all digits: `foo.123` cannot be a name either.
  return /^[0-9]+$/.test(parts.at(-1) ?? '');
}

/** Why a host is never a route target, whatever the lists say; undefined when it may be considered. */
export function forbiddenHostReason(host: string, clusterDomain: string): string | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (isIpLiteral(h)) return 'IP addresses are never allowed as targets (use a DNS name)';
  if (h === 'localhost' || h.endsWith('.localhost')) return '`localhost` is never allowed as a target';
  if (
    h === 'metadata' ||
    h === 'metadata.google.internal' ||
    h.endsWith('.internal') ||
    h === 'instance-data'
  ) {
    return 'cloud metadata and `.internal` names are never allowed as targets';
  }
  const cluster = clusterDomain.toLowerCase();
  if (
    h.endsWith('.svc') ||
    h.endsWith(`.svc.${cluster}`) ||
    h === cluster ||
    h.endsWith(`.${cluster}`) ||
    h === 'kubernetes' ||
    h.startsWith('kubernetes.default')
  ) {
    return 'cluster-internal names are not external targets: use `service@namespace/name`';
  }
  return undefined;
}

/**
 * Why the override may not be routed, naming the setting that would allow it; undefined when it may.
 * `ownNamespace` is the environment's own namespace (DEVENV_NAMESPACE_TEMPLATE).
 */
export function targetRefusal(
  override: Override,
  ownNamespace: string,
  policy: DevenvPolicy,
): string | undefined {
  const { target } = override;
  switch (target.kind) {
    case 'devenv-namespace':
      return undefined;
    case 'cluster':
      if (target.namespace === ownNamespace || matchesNamespace(target.namespace, policy.targetNamespaces))
        return undefined;
      return `\`${override.service}\` may not point into namespace \`${target.namespace}\`: only the environment's own namespace \`${ownNamespace}\`${policy.targetNamespaces.length ? ` and ${policy.targetNamespaces.map((n) => `\`${n}\``).join(', ')}` : ''} are allowed (DEVENV_TARGET_NAMESPACES).`;
    case 'external': {
      if (target.port < 1 || target.port > 65535) return `port ${target.port} is not between 1 and 65535.`;
      const forbidden = forbiddenHostReason(target.host, policy.clusterDomain);
      if (forbidden) return `\`${override.service}@${target.host}:${target.port}\`: ${forbidden}.`;
      if (policy.externalHosts.length === 0) {
        return `\`${override.service}\` points outside the cluster, and outside targets are off: an operator can allow hosts with DEVENV_EXTERNAL_HOSTS (e.g. \`.dev.example.com\`).`;
      }
      if (!matchesHost(target.host.toLowerCase(), policy.externalHosts)) {
        return `\`${target.host}\` is not an allowed outside host (DEVENV_EXTERNAL_HOSTS: ${policy.externalHosts.map((h) => `\`${h}\``).join(', ')}).`;
      }
      return undefined;
    }
  }
}

/**
 * Slack's escaping undone: `<http://host:8443|host:8443>` → `host:8443`, `<https://host>` → `host`,
 * `<mailto:a@b.c|a@b.c>` → `a@b.c`, `<@U123|ana>` → `@ana`. What is left is parsed like typed text.
 */
export function unwrapSlackMarkup(text: string): string {
  return text.replace(/<([^<>|]*)(?:\|([^<>]*))?>/g, (_, target: string, label: string | undefined) => {
    if (target.startsWith('@') || target.startsWith('#') || target.startsWith('!')) {
      return label !== undefined ? `${target[0] === '#' ? '#' : '@'}${label.replace(/^[@#]/, '')}` : target;
    }
    if (label !== undefined) return label;
    return target.replace(/^(https?:\/\/|mailto:)/, '').replace(/\/$/, '');
  });
}
