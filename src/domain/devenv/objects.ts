/** The least the renderer and the apply layer agree on about a Kubernetes object. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string>; resourceVersion?: string };
  spec: Record<string, unknown>;
}

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'release-bot';
export const DEVENV_LABEL = 'release-bot.io/devenv';
export const SERVICE_LABEL = 'release-bot.io/service';
export const FIELD_MANAGER = 'release-bot';
/** This installation's id (table `installation`): two bots on one cluster never take each other's objects. */
export const INSTANCE_LABEL = 'release-bot.io/instance';

/**
 * Whose an object is, from its labels:
 * - `ours`: release-bot's and this installation's (or any release-bot's, when no id is known);
 * - `legacy`: release-bot's, written before objects carried an id; ours only where our environments name it;
 * - `another-installation`: another release-bot's (a playground, a staging bot, an old backup's);
 * - `not-release-bot`: someone else's.
 */
export type Ownership = 'ours' | 'legacy' | 'another-installation' | 'not-release-bot';

export function ownershipOf(
  labels: Readonly<Record<string, string>> | undefined,
  instance: string | undefined,
): Ownership {
  if (labels?.[MANAGED_BY_LABEL] !== MANAGED_BY) return 'not-release-bot';
  if (instance === undefined) return 'ours';
  const theirs = labels[INSTANCE_LABEL];
  if (theirs === undefined) return 'legacy';
  return theirs === instance ? 'ours' : 'another-installation';
}
/** Our routes inside a shared VirtualService are recognised by this name prefix. */
export const ROUTE_PREFIX = 'devenv-';

/** Deep equality that ignores key order: what "this object already says what we want" means. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Whether `observed` says at least everything `desired` says: objects may carry more keys (server
 * defaults, other managers' fields), arrays must match element by element.
 */
export function containsJson(desired: unknown, observed: unknown): boolean {
  if (Array.isArray(desired)) {
    return (
      Array.isArray(observed) &&
      desired.length === observed.length &&
      desired.every((d, i) => containsJson(d, observed[i]))
    );
  }
  if (desired && typeof desired === 'object') {
    if (!observed || typeof observed !== 'object' || Array.isArray(observed)) return false;
    const o = observed as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(
      ([k, v]) => v === undefined || containsJson(v, o[k]),
    );
  }
  return desired === observed;
}
