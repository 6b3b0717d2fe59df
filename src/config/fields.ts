import { z } from '../vendor/zod.js';
import { parseDurationSeconds } from '../domain/duration.js';

/** The parsed values of a group of settings. */
export type Parsed<Fields extends z.ZodRawShape> = z.output<z.ZodObject<Fields>>;

/** Slack user (U…/W…) or user-group (S…) IDs, or `*` for everyone. */
export const slackPrincipalList = z
  .string()
  .trim()
  .transform((raw, ctx) => {
    if (raw === '') return undefined;
    if (raw === '*') return { everyone: true as const, ids: [] as string[] };
    const ids = raw
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    for (const id of ids) {
      if (!/^[UWS][A-Z0-9]{2,20}$/.test(id)) {
        ctx.addIssue({
          code: 'custom',
          message: `"${id}" is not a Slack user (U…/W…) or user-group (S…) ID`,
        });
      }
    }
    return { everyone: false as const, ids };
  });

export const commaList = z.string().transform((raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** A duration that may be left unset (its default then follows another setting). */
export const optionalDuration = (): z.ZodType<number | undefined, string | undefined> =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return undefined;
      const seconds = parseDurationSeconds(raw);
      if (seconds === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${raw}" is not a duration like 10s or 2s` });
        return z.NEVER;
      }
      return seconds;
    });

export const duration = (fallback: string): z.ZodType<number, string | undefined> =>
  z
    .string()
    .default(fallback)
    .transform((raw, ctx) => {
      const seconds = parseDurationSeconds(raw);
      if (seconds === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${raw}" is not a duration like 30m, 8h or 2d` });
        return z.NEVER;
      }
      return seconds;
    });

export const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .default('false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));
