import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { serviceVirtualServiceName } from '../../src/domain/devenv/names.js';
import { MANAGER } from '../support/bot-harness.js';
import { startBotProcess } from '../support/bot-process.js';
import { freshClone } from '../support/fresh-clone.js';
import { startPostgres } from '../support/postgres.js';
import { JIRA_EMAIL, JIRA_TOKEN, JiraStandIn } from '../../src/playground/jira-stand-in.js';
import { createService, freshNamespace, getVirtualService, kubeConfig } from '../support/kube.js';
import { slashCommandBody } from '../support/slack-payloads.js';
import { SlackStandIn } from '../support/slack-stand-in.js';

const BUNDLED =
  /(?:from\s*|import\s*\(\s*|require\s*\(\s*)["'](@slack\/bolt|@kubernetes\/client-node|jira\.js|zod|drizzle-orm[^"']*|pino)["']/g;

function modulesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the built bot: tsc output plus the libraries bundled from src/vendor', () => {
  let checkout: string;
  beforeAll(() => {
    checkout = freshClone();
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: checkout, stdio: 'pipe' });
  }, 120_000);
  afterAll(() => rmSync(checkout, { recursive: true, force: true }));

  it('loads every library once, from its bundle: no compiled module imports one by its package name', () => {
    const dist = join(checkout, 'dist');
    const offenders = modulesUnder(dist).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(BUNDLED)].map((m) => `${relative(dist, file)}: ${m[1]}`),
    );
    expect(offenders).toEqual([]);
    // The bundles themselves are among the modules checked above, so none imports a library it bundles.
    const vendor = readdirSync(join(dist, 'vendor'));
    for (const name of ['bolt', 'kubernetes', 'jira', 'zod', 'drizzle', 'pino']) {
      expect(vendor).toContain(`${name}.js`);
    }
  });

  it('imports by name only what the image copies: Node built-ins, RUNTIME_PACKAGES, and addons the bundles may skip', async () => {
    const { RUNTIME_PACKAGES } = (await import(join(checkout, 'scripts/runtime-modules.mjs'))) as {
      RUNTIME_PACKAGES: string[];
    };
    const { builtinModules } = await import('node:module');
    const builtins = new Set(builtinModules);
    // Optional speed-ups that ws and node-fetch load inside try/catch; the image works without them.
    // pg-native: pg's optional native driver, loaded only when asked for (we never do).
    const optional = new Set(['utf-8-validate', 'bufferutil', 'encoding', 'pg-native']);
    const dist = join(checkout, 'dist');
    const named = new Set<string>();
    for (const file of modulesUnder(dist)) {
      for (const m of readFileSync(file, 'utf8').matchAll(
        /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']((?:@[a-z0-9._-]+\/)?[a-z0-9][a-z0-9._-]*)(?:\/[\w./-]*)?["']/g,
      )) {
        const name = m[1]!;
        if (!name.startsWith('node:') && !builtins.has(name)) named.add(name);
      }
    }
    expect([...named].filter((n) => !RUNTIME_PACKAGES.includes(n) && !optional.has(n))).toEqual([]);
  });

  it('runs from dist/ against Slack, Jira and a real kube-apiserver: status reads the scope, /devenv writes routes', async () => {
    const kubeconfigPath = inject('kubeconfigPath');
    const kc = kubeConfig(kubeconfigPath);
    const ns = await freshNamespace(kc, 'preprod');
    await createService(kc, ns, 'blog-service');
    const slack = await new SlackStandIn().start();
    const jira = await new JiraStandIn().start();
    jira.addProject('BLOG', '2.4');
    jira.addIssues('BLOG', 3, (i) => ({
      fixVersions: ['2.4'],
      category: i === 1 ? 'indeterminate' : 'done',
    }));
    const data = mkdtempSync(join(tmpdir(), 'release-bot-built-'));
    const bot = await startBotProcess(
      slack,
      join(data, 'bot.sqlite'),
      {
        JIRA_BASE_URL: jira.url,
        JIRA_EMAIL,
        JIRA_API_TOKEN: JIRA_TOKEN,
        JIRA_PROJECTS: 'BLOG',
        KUBECONFIG: kubeconfigPath,
        DEVENV_PREPROD_NAMESPACE: ns,
        DEVENV_NAMESPACE_TEMPLATE: `${ns}-{env}`,
      },
      { checkout },
    );
    const run = async (command: string, text: string, userId = MANAGER): Promise<string> => {
      const response = slack.newResponseUrl();
      const ack = await bot.send(slashCommandBody({ command, text, userId, responseUrl: response.url }));
      expect(ack.status).toBe(200);
      if (ack.text.trim()) return ack.text;
      return JSON.stringify(await slack.waitForResponse(response.id, 15_000));
    };
    try {
      expect(await run('/release', 'create 2.4')).toContain('2.4');
      const status = await run('/release', 'status 2.4');
      expect(status).toContain('BLOG-1');
      expect(jira.requests.some((r) => r.path.startsWith('/rest/api/3/search'))).toBe(true);

      const devenv = await run('/devenv', 'blog-service name=ana', 'UDEV00001');
      expect(devenv).toContain('Environment *ana* is live');
      const vs = await getVirtualService(kc, ns, serviceVirtualServiceName('blog-service'));
      expect(vs.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('release-bot');

      const ready = await fetch(`${bot.baseUrl}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      expect(await bot.kill('SIGTERM')).toBe(0);
      await jira.stop();
      await slack.stop();
      rmSync(data, { recursive: true, force: true });
    }
  }, 60_000);

  it('runs from dist/ on PostgreSQL (DATABASE_URL): migrates, serves a command, is ready, stops cleanly', async () => {
    const server = await startPostgres();
    const slack = await new SlackStandIn().start();
    const bot = await startBotProcess(
      slack,
      join(checkout, 'unused.sqlite'),
      { DATABASE_URL: server.url },
      { checkout },
    );
    try {
      const response = slack.newResponseUrl();
      const ack = await bot.send(
        slashCommandBody({
          command: '/release',
          text: 'create 2.4',
          userId: MANAGER,
          responseUrl: response.url,
        }),
      );
      expect(ack.status).toBe(200);
      const ready = (await (await fetch(`${bot.baseUrl}/readyz`)).json()) as {
        checks: Record<string, string>;
      };
      expect([ready.checks.database, ready.checks.migrations]).toEqual(['ok', 'ok']);
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      const releases = await client.query<{ version: string }>('select version from releases');
      await client.end();
      expect(releases.rows).toEqual([{ version: '2.4' }]);
    } finally {
      expect(await bot.kill('SIGTERM')).toBe(0);
      await slack.stop();
      await server.stop();
    }
  }, 60_000);
});
