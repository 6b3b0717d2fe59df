import { z } from '../vendor/zod.js';
import { commaList, duration, type Parsed } from './fields.js';

/** The freeze the cluster keeps: the candidate read from these namespaces, and its enforcement. */
export const freezeFields = {
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
};

export interface FreezeConfig {
  /** Empty: the candidate is not read from the cluster, and nothing below runs. */
  namespaces: string[];
  serviceLabel: string;
  enforcement: 'off' | 'warn' | 'deny';
  reconcileIntervalSeconds: number;
}

export function checkFreeze(env: Parsed<typeof freezeFields>, ctx: z.RefinementCtx): void {
  if (env.FREEZE_ENFORCEMENT !== 'off' && env.FREEZE_NAMESPACES.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['FREEZE_NAMESPACES'],
      message:
        'is required with FREEZE_ENFORCEMENT=warn or deny (the namespaces whose parameter the bot writes)',
    });
  }
}

export function freezeConfig(e: Parsed<typeof freezeFields>): FreezeConfig {
  return {
    namespaces: e.FREEZE_NAMESPACES,
    serviceLabel: e.FREEZE_SERVICE_LABEL,
    enforcement: e.FREEZE_ENFORCEMENT,
    reconcileIntervalSeconds: e.FREEZE_RECONCILE_INTERVAL,
  };
}
