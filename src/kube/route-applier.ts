import type { ConvergeScope } from '../use-cases/ports.js';

// The port and the report live with the use cases and the domain; the appliers here implement them.
export type { ConvergeScope, RouteApplier } from '../use-cases/ports.js';
export { emptyReport, writesIn, type ConvergeReport } from '../domain/devenv/converge.js';

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
