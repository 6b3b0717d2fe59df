import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/domain/errors.js';
import {
  isFrozen,
  isOpen,
  nextState,
  RELEASE_STATES,
  RELEASE_TRANSITIONS,
  type ReleaseState,
  type ReleaseTransition,
} from '../../../src/domain/release.js';
import { parseVersionName, versionKey } from '../../../src/domain/version.js';

describe('release state machine', () => {
  it.each<[ReleaseState, ReleaseTransition, ReleaseState]>([
    ['planned', 'freeze', 'frozen'],
    ['frozen', 'unfreeze', 'planned'],
    ['signed_off', 'unfreeze', 'planned'],
    ['planned', 'cancel', 'cancelled'],
    ['frozen', 'cancel', 'cancelled'],
    ['signed_off', 'cancel', 'cancelled'],
    ['frozen', 'sign_off', 'signed_off'],
    ['signed_off', 'revoke_sign_off', 'frozen'],
    ['signed_off', 'ship', 'released'],
  ])('%s --%s--> %s', (from, transition, to) => {
    expect(nextState('2.4', from, transition)).toBe(to);
  });

  // Written out by hand, never derived from RELEASE_TRANSITIONS: a bad move newly allowed there must fail here.
  const illegal: [ReleaseState, ReleaseTransition][] = [
    ['planned', 'unfreeze'],
    ['planned', 'sign_off'],
    ['planned', 'revoke_sign_off'],
    ['planned', 'ship'],
    ['frozen', 'freeze'],
    ['frozen', 'revoke_sign_off'],
    ['frozen', 'ship'],
    ['signed_off', 'freeze'],
    ['signed_off', 'sign_off'],
    ['released', 'freeze'],
    ['released', 'unfreeze'],
    ['released', 'cancel'],
    ['released', 'sign_off'],
    ['released', 'revoke_sign_off'],
    ['released', 'ship'],
    ['cancelled', 'freeze'],
    ['cancelled', 'unfreeze'],
    ['cancelled', 'cancel'],
    ['cancelled', 'sign_off'],
    ['cancelled', 'revoke_sign_off'],
    ['cancelled', 'ship'],
  ];

  it.each(illegal)('refuses %s --%s--> with a reason', (from, transition) => {
    expect(() => nextState('2.4', from, transition)).toThrow(AppError);
  });

  it('covers every pair of state and transition in the two tables above', () => {
    const transitions = Object.keys(RELEASE_TRANSITIONS).sort();
    expect(transitions).toEqual(['cancel', 'freeze', 'revoke_sign_off', 'ship', 'sign_off', 'unfreeze']);
    expect(RELEASE_STATES.length * transitions.length).toBe(9 + illegal.length);
  });

  it('explains a refusal in words', () => {
    expect(() => nextState('2.4', 'cancelled', 'freeze')).toThrow(
      'Cannot freeze 2.4: it is cancelled (only a planned release can be).',
    );
    expect(() => nextState('2.4', 'frozen', 'ship')).toThrow('only a signed off release can be');
  });

  it('knows which states are open and which are frozen', () => {
    expect(RELEASE_STATES.filter(isOpen)).toEqual(['planned', 'frozen', 'signed_off']);
    expect(RELEASE_STATES.filter(isFrozen)).toEqual(['frozen', 'signed_off']);
  });
});

describe('version names', () => {
  it.each(['2.4', 'v2.4.1', 'Blog_2024-12', 'a', 'x'.repeat(64)])('accepts %s', (name) => {
    expect(parseVersionName(name)).toBe(name);
  });
  it.each(['', '.2', '-rc', '2.4"', '2 4', 'x'.repeat(65), 'ä1', '2.4/../x'])('refuses %j', (name) => {
    expect(() => parseVersionName(name)).toThrow(AppError);
  });
  it('keys case-insensitively', () => {
    expect(versionKey('Blog-2.4')).toBe(versionKey('blog-2.4'));
  });
});
