import type { SignoffRole } from '../../domain/signoff.js';
import { context, mention, section, textReply, type Reply } from './kit.js';

export function roleListReply(roles: SignoffRole[]): Reply {
  if (roles.length === 0) {
    return textReply('No sign-off roles yet. `/release role set qa @qa-team quorum=2` creates one.');
  }
  const lines = roles.map((r) => `*${r.name}* · quorum ${r.quorum} · ${r.members.map(mention).join(', ')}`);
  return {
    text: 'Sign-off roles',
    blocks: [
      section(`*Sign-off roles*\n${lines.join('\n')}`),
      context('A release requires the roles that exist when it is frozen.'),
    ],
  };
}
