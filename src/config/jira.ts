import { z } from '../vendor/zod.js';
import { commaList, duration, optionalString, type Parsed } from './fields.js';

/** Jira: where the release's scope comes from and where a ship is written back. */
export const jiraFields = {
  JIRA_BASE_URL: z
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  JIRA_EMAIL: optionalString,
  JIRA_API_TOKEN: optionalString,
  JIRA_PROJECTS: commaList
    .default([])
    .pipe(z.array(z.string().regex(/^[A-Z][A-Z0-9_]{0,19}$/, 'Jira project keys look like BLOG or TAG_2'))),
  JIRA_VERSION_NAME: z
    .string()
    .default('{version}')
    .refine((t) => t.includes('{version}'), {
      message: 'must contain {version}',
    }),
  JIRA_SCOPE_CACHE: duration('60s'),
  JIRA_TIMEOUT: duration('10s'),

  JIRA_RELEASE_NOTES: z.enum(['off', 'description']).default('off'),
};

export interface JiraConfig {
  baseUrl: string;
  email: string;
  apiToken: string;
  projects: string[];
  versionNameTemplate: string;
  scopeCacheSeconds: number;
  timeoutSeconds: number;
  /** `description`: a short form of the release notes goes into each Jira version at ship. */
  releaseNotes: 'off' | 'description';
}

export function checkJira(env: Parsed<typeof jiraFields>, ctx: z.RefinementCtx): void {
  const jira = [env.JIRA_BASE_URL, env.JIRA_EMAIL, env.JIRA_API_TOKEN];
  if (jira.some(Boolean) && !jira.every(Boolean)) {
    ctx.addIssue({
      code: 'custom',
      path: ['JIRA_BASE_URL'],
      message: 'JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN go together: set all three or none',
    });
  }
  if (env.JIRA_BASE_URL && env.JIRA_PROJECTS.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['JIRA_PROJECTS'],
      message: 'is required when Jira is configured',
    });
  }
}

/** Jira is connected only with all three of its address and credentials. */
export function jiraConfig(e: Parsed<typeof jiraFields>): JiraConfig | undefined {
  return e.JIRA_BASE_URL && e.JIRA_EMAIL && e.JIRA_API_TOKEN
    ? {
        baseUrl: e.JIRA_BASE_URL.replace(/\/+$/, ''),
        email: e.JIRA_EMAIL,
        apiToken: e.JIRA_API_TOKEN,
        projects: e.JIRA_PROJECTS,
        versionNameTemplate: e.JIRA_VERSION_NAME,
        scopeCacheSeconds: e.JIRA_SCOPE_CACHE,
        timeoutSeconds: e.JIRA_TIMEOUT,
        releaseNotes: e.JIRA_RELEASE_NOTES,
      }
    : undefined;
}
