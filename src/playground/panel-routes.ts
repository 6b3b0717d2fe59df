import type { RouteHandler } from '../http/server.js';
import { sendJson } from '../http/server.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services.js';
import { tourFacts, wipeSessionData } from '../db/playground.js';
import { nextOnCalendar } from '../use-cases/release-calendar.js';
import { seedSignoffRoles } from '../use-cases/roles.js';
import { z } from '../vendor/zod.js';
import type { PlaygroundJira } from './jira.js';
import { homeRequest, jsonPost, USER_ID } from './requests.js';
import type { PlaygroundSession } from './session.js';
import type { SlackEmulator } from './slack-emulator.js';

/** The tour's checklist, in the order a first visit takes it. */
const TOUR = [
  { id: 'freeze', title: 'Freeze 2.4: /release create 2.4, then /release freeze 2.4' },
  { id: 'approve', title: 'Approve as QA (act as quinn)' },
  { id: 'reject', title: 'Reject with a reason as product (act as priya)' },
  { id: 'blocked', title: 'Send a blocked change from the Pipeline panel' },
  { id: 'exception', title: 'Ask for an exception, and approve it as maya' },
  { id: 'reminder', title: 'Move the clock to a reminder' },
  { id: 'ship', title: 'Ship, and read the notes in the thread' },
  { id: 'devenv', title: '/devenv blog-service tag-service dry-run' },
] as const;

export function isTourDryRun(args: readonly string[]): boolean {
  return ['blog-service', 'tag-service', 'dry-run'].every((word) => args.includes(word));
}

/** The services the playground's pipeline deploys, named after the seeded Jira's projects. */
const PIPELINE_SERVICES = ['blog-service', 'tag-service'] as const;

const clockRequest = z.object({ as: USER_ID, advance: z.enum(['hour', 'day', 'next']) });

export interface PanelDeps {
  emulator: SlackEmulator;
  logger: Logger;
  jira?: PlaygroundJira | undefined;
  gateToken?: string | undefined;
  session?: PlaygroundSession | undefined;
  /** The bot's services once it runs (the routes are made before it starts). */
  services?: () => Services | undefined;
}

/** The clock as the header shows it, with what the calendar does next. */
export interface ClockView {
  now: string;
  offsetMs: number;
  next: { kind: string; version: string; at: string } | null;
}

export async function clockView(extras: PanelDeps): Promise<ClockView | null> {
  const { session } = extras;
  const services = extras.services?.();
  const next = services ? await nextOnCalendar(services) : undefined;
  return session
    ? {
        now: session.clock.now().toISOString(),
        offsetMs: session.offsetMs,
        next: next ? { kind: next.kind, version: next.version, at: next.at.toISOString() } : null,
      }
    : null;
}

/** The side panels' routes: Jira, the pipeline, the clock, the tour and the reset. */
export function panelRoutes(extras: PanelDeps): Record<string, RouteHandler> {
  const { jira, gateToken, session, emulator, logger } = extras;
  const post = jsonPost(logger);
  const routes: Record<string, RouteHandler> = {};

  // The Jira panel: what the seeded Jira holds, including what the bot wrote back (released, notes).
  routes['GET /playground/jira'] = (_req, res) => {
    if (!jira) {
      sendJson(res, 200, { connected: false, projects: [], issues: [] });
      return Promise.resolve();
    }
    const { standIn } = jira;
    sendJson(res, 200, {
      connected: true,
      projects: [...standIn.projects.entries()].map(([key, project]) => ({
        key,
        versions: project.versions.map((v) => ({
          name: v.name,
          released: v.released,
          releaseDate: v.releaseDate ?? null,
          description: v.description ?? null,
        })),
      })),
      issues: standIn.issues.map((i) => ({
        key: i.key,
        summary: i.summary,
        type: i.type,
        status: i.status,
        fixVersions: i.fixVersions,
        assignee: i.assignee ?? null,
      })),
    });
    return Promise.resolve();
  };

  // The pipeline panel: what a CI job would know (its token, the services it deploys).
  routes['GET /playground/pipeline'] = (_req, res) => {
    sendJson(res, 200, {
      gateUrl: '/api/v1/gate/check',
      token: gateToken ?? null,
      services: PIPELINE_SERVICES,
      environments: ['preprod', 'staging'],
    });
    return Promise.resolve();
  };

  // The clock you move: forward an hour, a day, or to the calendar's next action, then one scheduler pass
  // (the same pass its timer runs), so what came due happens now.
  routes['POST /playground/clock'] = post(clockRequest, async ({ advance }, res) => {
    const services = extras.services?.();
    if (!session || !services) {
      sendJson(res, 409, { error: 'no_clock', reason: 'the bot is not running on the playground clock' });
      return;
    }
    let target: { byMs: number } | { at: Date };
    if (advance === 'next') {
      const next = await nextOnCalendar(services);
      if (!next) {
        sendJson(res, 409, {
          error: 'nothing_scheduled',
          reason:
            'nothing is on the calendar: give a release dates, e.g. /release create 2.5 freeze=YYYY-MM-DD ship=YYYY-MM-DD',
        });
        return;
      }
      target = { at: new Date(next.at.getTime() + 1_000) };
    } else target = { byMs: advance === 'hour' ? 3_600_000 : 86_400_000 };
    if (!session.advance(target)) {
      sendJson(res, 400, { error: 'too_far', reason: 'the playground’s clock goes at most a year ahead' });
      return;
    }
    await services.scheduler.runOnce();
    sendJson(res, 200, { ok: true, clock: await clockView(extras) });
  });

  // The tour: each step ticked from what really happened (the database), or, for what leaves no record
  // there (a dry run), from what the page sent.
  routes['GET /playground/tour'] = async (_req, res) => {
    const services = extras.services?.();
    if (!services) {
      sendJson(res, 503, { error: 'starting', reason: 'the bot is starting; try again in a moment' });
      return Promise.resolve();
    }
    const facts = await tourFacts(services.store);
    const done: Record<(typeof TOUR)[number]['id'], boolean> = {
      freeze: facts.frozen,
      approve: facts.approvedAsQa,
      reject: facts.rejectedAsProductWithReason,
      blocked: facts.gateRefused,
      exception: facts.exceptionApproved,
      reminder: facts.reminded,
      ship: facts.shipped,
      devenv: session?.has('devenv_dry_run') ?? false,
    };
    sendJson(res, 200, { steps: TOUR.map((step) => ({ ...step, done: done[step.id] })) });
    return Promise.resolve();
  };

  // A new session: the bot's data, the workspace, the seeded Jira and the clock as on the first start.
  routes['POST /playground/reset'] = post(homeRequest, async (_body, res) => {
    const services = extras.services?.();
    if (!services) {
      sendJson(res, 503, { error: 'starting', reason: 'the bot is starting; try again in a moment' });
      return Promise.resolve();
    }
    await wipeSessionData(services.store);
    // The roles, too, are the first start's again (SIGNOFF_ROLES applies to an empty table).
    await seedSignoffRoles(services, services.config.signoffRolesSeed);
    emulator.reset();
    jira?.reset();
    session?.reset();
    logger.info('playground session reset');
    sendJson(res, 200, { ok: true });
    return Promise.resolve();
  });

  return routes;
}
