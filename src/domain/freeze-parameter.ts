import { createHash } from 'node:crypto';

/** The admission policy's parameter: one ConfigMap of this name in each freeze namespace. */
export const FREEZE_PARAMETER_NAME = 'release-bot-freeze';
/** What the bot dry-run creates to learn whether admission sees the newest parameter. */
export const FREEZE_PROBE_NAME = 'release-bot-freeze-probe';
/** Picks the binding in force (deploy/kubernetes/freeze-policy): `warn` or `deny`. */
export const FREEZE_MODE_LABEL = 'release-bot.io/freeze-mode';

export type EnforcementMode = 'off' | 'warn' | 'deny';

export interface FreezeParameter {
  labels: Record<string, string>;
  data: { release: string; mode: 'warn' | 'deny'; images: string; digest: string };
}

/**
 * What the parameter holds while releases are frozen: their versions and every image admitted for them,
 * space-separated (the policy splits on spaces; an image reference has none). `digest` names this content,
 * so a probe can ask whether admission sees it. Undefined: nothing is frozen, so there is no parameter.
 */
export function renderFreezeParameter(input: {
  mode: EnforcementMode;
  frozenVersions: readonly string[];
  admittedImages: readonly string[];
}): FreezeParameter | undefined {
  if (input.mode === 'off' || input.frozenVersions.length === 0) return undefined;
  const release = [...input.frozenVersions].sort().join(', ');
  const images = [...new Set(input.admittedImages)].sort().join(' ');
  const digest = createHash('sha256')
    .update(JSON.stringify([input.mode, release, images]))
    .digest('hex')
    .slice(0, 16);
  return {
    labels: { 'app.kubernetes.io/managed-by': 'release-bot', [FREEZE_MODE_LABEL]: input.mode },
    data: { release, mode: input.mode, images, digest },
  };
}
