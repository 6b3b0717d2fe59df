import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { serviceVirtualServiceName } from '../../src/domain/devenv/names.js';
import type { Clock } from '../../src/use-cases/ports.js';
import { replyText, startTestBot, type TestBot } from '../support/bot-harness.js';
import { askGate, gateAndJiraEnv, outboxSettled } from '../support/gate-client.js';
import { JiraStandIn } from '../../src/playground/jira-stand-in.js';
import { createService, freshNamespace, kubeConfig, listNames } from '../support/kube.js';

const DEV = 'UDEV00001';

/**
 * The database-side guard on its own: a holder whose Lease still looks fine to itself (a paused process,
 * a clock that ran slow) but whose epoch a later holder has fenced off. Every kind of background write must
 * be refused by the fence, not by the Lease check. The later holder is played by raising the fence in the
 * shared database, as another instance would.
 */
describe('a holder fenced off by a later one', () => {
  const kubeconfigPath = inject('kubeconfigPath');
  const kc = kubeConfig(kubeconfigPath);
  let now = Date.parse('2026-11-26T09:00:00Z');
  const clock: Clock = { now: () => new Date(now) };
  let t: TestBot;
  let jira: JiraStandIn;
  let ns: string;

  beforeEach(async () => {
    now = Date.parse('2026-11-26T09:00:00Z');
    ns = await freshNamespace(kc, 'fence');
    await createService(kc, ns, 'blog-service');
    jira = await new JiraStandIn().start();
    jira.addProject('BLOG', '2.4');
    jira.addIssues('BLOG', 2, () => ({ type: 'Bug', fixVersions: ['2.4'] }));
    t = await startTestBot(
      {
        ...gateAndJiraEnv(jira),
        KUBECONFIG: kubeconfigPath,
        DEVENV_PREPROD_NAMESPACE: ns,
        DEVENV_NAMESPACE_TEMPLATE: `${ns}-{env}`,
        LEADER_ELECTION: 'on',
      },
      { clock, scheduler: 'manual', upkeep: 'manual' },
    );
  });
  afterEach(async () => {
    await t.stop();
    await jira.stop();
  });

  const count = async (sql: string) => Number((await t.rows(sql))[0]!.n);

  it('writes nothing: no scheduled freeze, no reaping, no gate decision', async () => {
    await t.command('/release', 'create 2.4');
    await t.command('/release', 'freeze 2.4');
    await t.command('/release', 'create 2.5 freeze=2026-11-27 10:00');
    expect(replyText(await t.command('/devenv', 'blog-service name=ana ttl=1h', DEV))).toContain('is live');
    await outboxSettled(t);
    expect((await askGate(t.baseUrl, { issues: ['BLOG-1'] })).status).toBe(200);
    const epoch = Number((await t.rows('select epoch from leadership'))[0]!.epoch);
    const before = {
      audit: await count('select count(*) n from audit_events'),
      checks: await count('select count(*) n from gate_checks'),
      outbox: await count('select count(*) n from outbox'),
    };

    const other = new Database(t.databasePath);
    other.prepare('update leadership set epoch = ?, holder = ?').run(epoch + 1, 'the-next-holder');
    other.close();
    now = Date.parse('2026-11-27T12:00:00Z'); // 2.5's freeze is due and ana has expired

    await t.bot.services.scheduler.runOnce();
    await t.bot.services.upkeep.runOnce();
    const gate = await askGate(t.baseUrl, { issues: ['BLOG-1'] });

    expect(gate.status).toBe(503);
    expect(gate.body.error).toBe('standby');
    expect(await t.rows("select state from releases where version = '2.5'")).toEqual([{ state: 'planned' }]);
    expect(await count('select count(*) n from schedule_runs')).toBe(0);
    expect(await t.rows('select name, state from devenvs')).toEqual([{ name: 'ana', state: 'live' }]);
    expect(await listNames(kc, ns, 'virtualservices')).toEqual([serviceVirtualServiceName('blog-service')]);
    expect({
      audit: await count('select count(*) n from audit_events'),
      checks: await count('select count(*) n from gate_checks'),
      outbox: await count('select count(*) n from outbox'),
    }).toEqual(before);
  });
});
