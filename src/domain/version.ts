import { AppError } from './errors.js';

const VERSION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Release versions keep their case for display; lookups go through the lower-cased key. */
export function parseVersionName(raw: string | undefined): string {
  const name = (raw ?? '').trim();
  if (!name) throw new AppError('invalid_input', 'Name a release version, e.g. `2.4`.');
  if (!VERSION_NAME.test(name)) {
    throw new AppError(
      'invalid_input',
      `\`${name.slice(0, 70)}\` is not a valid version: use 1 to 64 letters, digits, \`.\`, \`_\` or \`-\`, starting with a letter or digit.`,
    );
  }
  return name;
}

export function versionKey(name: string): string {
  return name.toLowerCase();
}
