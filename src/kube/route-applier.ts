import type { Devenv } from '../domain/devenv/model.js';
import type { KubeObject } from '../domain/devenv/objects.js';
import type { ObservedObject } from './cluster.js';

/** Which part of the desired state a pass may touch; absent fields mean everything. */
export interface ConvergeScope {
  services?: ReadonlySet<string>;
  envs?: ReadonlySet<string>;
}

export interface ScopeFilter {
  service(name: string | undefined): boolean;
  env(name: string | undefined): boolean;
}

export function scopeFilter(scope: ConvergeScope): ScopeFilter {
  return {
    service: (name) => !scope.services || (name !== undefined && scope.services.has(name)),
    env: (name) => !scope.envs || (name !== undefined && scope.envs.has(name)),
  };
}

export interface ConvergeReport {
  applied: string[];
  updated: string[];
  deleted: string[];
  unchanged: number;
  conflictsRetried: number;
}

export function emptyReport(): ConvergeReport {
  return { applied: [], updated: [], deleted: [], unchanged: 0, conflictsRetried: 0 };
}

export function writesIn(report: ConvergeReport): number {
  return report.applied.length + report.updated.length + report.deleted.length;
}

/** A mesh provider: renders environments to objects and converges the cluster to them. */
export interface RouteApplier {
  render(envs: readonly Devenv[]): KubeObject[];
  converge(envs: readonly Devenv[], scope?: ConvergeScope): Promise<ConvergeReport>;
  observedFor(env: string): Promise<ObservedObject[]>;
}
