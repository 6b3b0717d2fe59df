/**
 * Generated object names: readable, a valid DNS label, and unique per (kind, environment, service,
 * purpose) thanks to a short stable hash of all of them. Without the hash, env `x` with service `y-z`
 * and env `x-y` with service `z` would both be `devenv-x-y-z`.
 */

/** FNV-1a, 32 bits, as 8 hex digits: stable across processes and versions, no I/O. */
export function stableHash(...parts: string[]): string {
  let hash = 0x811c9dc5;
  for (const char of parts.join('\u0000')) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

const PREFIX = 'devenv-';
/** 63 (a DNS label) − "devenv-" − "-" − 8 hash digits. */
const READABLE_MAX = 63 - PREFIX.length - 1 - 8;

function generatedName(readable: string, ...identity: string[]): string {
  const cut = readable.slice(0, READABLE_MAX).replace(/-+$/, '');
  return `${PREFIX}${cut}-${stableHash(...identity)}`;
}

/** Our own VirtualService for one pre-prod service's host (shared by every environment routing it). */
export function serviceVirtualServiceName(service: string): string {
  return generatedName(service, 'VirtualService', 'service', service);
}

/** The ServiceEntry that makes an environment's external target routable. */
export function serviceEntryName(env: string, service: string): string {
  return generatedName(`${env}-${service}`, 'ServiceEntry', env, service);
}

/** The per-environment link through the ingress gateway (Istio VirtualService or HTTPRoute). */
export function linkName(kind: string, env: string): string {
  return generatedName(`link-${env}`, kind, 'link', env);
}

/** A Gateway API route of one environment for one service. */
export function httpRouteName(env: string, service: string): string {
  return generatedName(`${env}-${service}`, 'HTTPRoute', env, service);
}
