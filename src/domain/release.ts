import { AppError } from './errors.js';

export const RELEASE_STATES = ['planned', 'frozen', 'signed_off', 'released', 'cancelled'] as const;
export type ReleaseState = (typeof RELEASE_STATES)[number];

export type ReleaseTransition = 'freeze' | 'unfreeze' | 'cancel' | 'sign_off' | 'revoke_sign_off' | 'ship';

/** Every legal move of a release; anything not listed here is refused. */
export const RELEASE_TRANSITIONS: Record<
  ReleaseTransition,
  { from: readonly ReleaseState[]; to: ReleaseState }
> = {
  freeze: { from: ['planned'], to: 'frozen' },
  unfreeze: { from: ['frozen', 'signed_off'], to: 'planned' },
  cancel: { from: ['planned', 'frozen', 'signed_off'], to: 'cancelled' },
  sign_off: { from: ['frozen'], to: 'signed_off' },
  revoke_sign_off: { from: ['signed_off'], to: 'frozen' },
  ship: { from: ['signed_off'], to: 'released' },
};

const OPEN_STATES: readonly ReleaseState[] = ['planned', 'frozen', 'signed_off'];
/** A signed-off release is still frozen in pre-prod until it ships. */
const FROZEN_STATES: readonly ReleaseState[] = ['frozen', 'signed_off'];

export function isOpen(state: ReleaseState): boolean {
  return OPEN_STATES.includes(state);
}

export function isFrozen(state: ReleaseState): boolean {
  return FROZEN_STATES.includes(state);
}

const STATE_WORDS: Record<ReleaseState, string> = {
  planned: 'planned',
  frozen: 'frozen',
  signed_off: 'signed off',
  released: 'released',
  cancelled: 'cancelled',
};

export function describeState(state: ReleaseState): string {
  return STATE_WORDS[state];
}

const TRANSITION_WORDS: Record<ReleaseTransition, string> = {
  freeze: 'freeze',
  unfreeze: 'unfreeze',
  cancel: 'cancel',
  sign_off: 'sign off',
  revoke_sign_off: 'reopen sign-off of',
  ship: 'ship',
};

/** The state a transition leads to, or an AppError saying why it cannot happen from here. */
export function nextState(version: string, from: ReleaseState, transition: ReleaseTransition): ReleaseState {
  const rule = RELEASE_TRANSITIONS[transition];
  if (!rule.from.includes(from)) {
    const allowedFrom = rule.from.map(describeState).join(' or ');
    throw new AppError(
      'illegal_transition',
      `Cannot ${TRANSITION_WORDS[transition]} ${version}: it is ${describeState(from)} (only a ${allowedFrom} release can be).`,
    );
  }
  return rule.to;
}

/**
 * The candidate revision a freeze starts. The first freeze keeps revision 1; a re-freeze after an
 * unfreeze is a new candidate, so every vote given before it is stale.
 */
export function revisionAtFreeze(release: { revision: number; frozenBefore: boolean }): number {
  return release.frozenBefore ? release.revision + 1 : release.revision;
}

/** Why a vote pressed on revision `pressed` cannot count, or undefined when it is the current one. */
export function staleRevisionProblem(pressed: number, current: number): string | undefined {
  return pressed === current ? undefined : `This is revision ${pressed}, the current one is ${current}`;
}
