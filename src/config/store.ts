import { existsSync } from 'node:fs';
import { z } from '../vendor/zod.js';
import { duration, optionalString, type Parsed } from './fields.js';

/** Where the state lives: the SQLite file by default, PostgreSQL when DATABASE_URL is set. */
export const storeFields = {
  DATABASE_PATH: z.string().min(1).default('./data/release-bot.sqlite'),
  /** Set: PostgreSQL is the store (every replica serves); unset: the SQLite file at DATABASE_PATH. */
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(
        /^postgres(ql)?:\/\/[^\s]+$/,
        'must be a postgres:// URL such as postgres://bot:secret@db:5432/release_bot',
      )
      .optional(),
  ),
  DATABASE_POOL_SIZE: z.coerce
    .number({ error: 'must be a number of connections' })
    .int()
    .min(1, 'must be at least 1')
    .max(100, 'must be at most 100')
    .default(10),
  /** A CA to verify the server's certificate with (a private CA), PEM. */
  DATABASE_CA_FILE: optionalString,
  /** How long one statement may take, on the server and at the bot (a server that stops answering). */
  DATABASE_TIMEOUT: duration('30s'),
};

export interface StoreConfig {
  databasePath: string;
  postgres: { url: string; poolSize: number; caFile: string | undefined; timeoutSeconds: number } | undefined;
}

export function checkStore(env: Parsed<typeof storeFields>, ctx: z.RefinementCtx): void {
  if (env.DATABASE_CA_FILE && !existsSync(env.DATABASE_CA_FILE)) {
    ctx.addIssue({
      code: 'custom',
      path: ['DATABASE_CA_FILE'],
      message: `there is no file at ${env.DATABASE_CA_FILE}: mount the CA’s PEM there, or unset it`,
    });
  }
}

export function storeConfig(e: Parsed<typeof storeFields>): StoreConfig {
  return {
    databasePath: e.DATABASE_PATH,
    postgres: e.DATABASE_URL
      ? {
          url: e.DATABASE_URL,
          poolSize: e.DATABASE_POOL_SIZE,
          caFile: e.DATABASE_CA_FILE,
          timeoutSeconds: e.DATABASE_TIMEOUT,
        }
      : undefined,
  };
}
