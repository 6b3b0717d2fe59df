import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.js';
import { z } from '../vendor/zod.js';
import { SEEDED_PROJECTS, seedJira } from './jira-seed.js';
import { JiraStandIn } from './jira-stand-in.js';
import { readStateFile, writeStateFile } from './state-file.js';

const version = z.object({
  id: z.string(),
  name: z.string(),
  released: z.boolean(),
  releaseDate: z.string().optional(),
  description: z.string().optional(),
  projectId: z.number(),
});
const snapshot = z.object({
  projects: z.array(z.tuple([z.string(), z.object({ id: z.number(), versions: z.array(version) })])),
  issues: z.array(
    z.object({
      key: z.string(),
      summary: z.string(),
      status: z.string(),
      category: z.enum(['new', 'indeterminate', 'done']),
      type: z.string(),
      fixVersions: z.array(z.string()),
      assignee: z.string().optional(),
    }),
  ),
  nextId: z.number(),
});

export interface PlaygroundJira {
  standIn: JiraStandIn;
  /** The JIRA_* settings that point the bot at it, as an operator would set them. */
  settings: Record<string, string>;
  /** Back to the seeded projects and tickets (a new playground session). */
  reset(): void;
  stop(): Promise<void>;
}

/**
 * The playground's Jira: the tests' stand-in on loopback, seeded on the first start and kept next to the
 * database afterwards, so a version the bot marked released stays released across restarts.
 */
export async function startPlaygroundJira(
  statePath: string | undefined,
  logger: Logger,
): Promise<PlaygroundJira> {
  const email = 'release-bot@playground.test';
  const token = randomBytes(16).toString('hex');
  const standIn = new JiraStandIn({ email, token, keepRequests: false });
  const saved = readStateFile(statePath, snapshot, logger, 'Jira');
  if (saved) standIn.restore(saved);
  else seedJira(standIn);
  const save = () => writeStateFile(statePath, standIn.snapshot(), logger, 'Jira');
  standIn.onWrite = save;
  save();
  await standIn.start();
  return {
    standIn,
    settings: {
      JIRA_BASE_URL: standIn.url,
      JIRA_EMAIL: email,
      JIRA_API_TOKEN: token,
      JIRA_PROJECTS: SEEDED_PROJECTS.join(','),
      // The notes are written into the version, so the Jira panel shows what the bot wrote back.
      JIRA_RELEASE_NOTES: 'description',
    },
    reset() {
      standIn.restore(seedJira(new JiraStandIn()).snapshot());
      save();
    },
    stop: () => standIn.stop(),
  };
}
