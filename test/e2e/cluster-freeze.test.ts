import * as k8s from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { ActionIds } from '../../src/slack/ids.js';
import { MANAGER, replyText, startTestBot, type TestBot } from '../support/bot-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import {
  applyKustomize,
  createWorkload,
  grantFreezeNamespace,
  patchWorkload,
  serviceAccountKubeconfig,
  setImage,
  setLabel,
  setReplicas,
} from '../support/freeze-cluster.js';
import { freshNamespace, kubeConfig } from '../support/kube.js';
import { SlackStandIn } from '../support/slack-stand-in.js';
import type { RecordedCall } from '../support/slack-stand-in.js';

const GATE = 'freeze-gate-token';
const DIGEST = `sha256:${'ab'.repeat(32)}`;

/**
 * The freeze the cluster keeps, on the real kube-apiserver: the candidate read at freeze, every change
 * watched, and (with the shipped policy) enforced by admission. The bot runs as the shipped ServiceAccount
 * with only the freeze-namespace Role; people change workloads as the administrator, under field managers
 * like kubectl's.
 */
describe('the freeze the cluster keeps', () => {
  const admin = kubeConfig(inject('kubeconfigPath'));
  const kustomize = inject('kustomizePath');
  let enforced: string;
  let plain: string;
  let botKubeconfig: string;
  let t: TestBot | undefined;

  beforeAll(async () => {
    // The policy and its bindings are cluster-scoped and shared: applied once, idempotently.
    await applyKustomize(admin, kustomize, 'deploy/kubernetes/freeze-policy');
    enforced = await freshNamespace(admin, 'frz');
    plain = await freshNamespace(admin, 'frz');
    await admin
      .makeApiClient(k8s.CoreV1Api)
      .patchNamespace(
        { name: enforced, body: { metadata: { labels: { 'release-bot.io/freeze': 'enforced' } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    for (const ns of [enforced, plain]) await grantFreezeNamespace(admin, kustomize, ns, enforced);
    botKubeconfig = await serviceAccountKubeconfig(admin, enforced);
    // Created before any test freezes: during a freeze a new workload is a change like any other.
    for (const prefix of ['a-', 'b-', 'c-', 'd-', 'e-', 'f-', 'g-', 'h-', 'i-']) await workloads(prefix);
  });
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  async function workloads(prefix: string): Promise<void> {
    await createWorkload(admin, enforced, {
      kind: 'Deployment',
      name: `${prefix}blog`,
      images: ['reg.example.com/blog:1.0', `reg.example.com/sidecar@${DIGEST}`],
      initImages: ['reg.example.com/blog-migrate:1.0'],
      labels: { 'app.kubernetes.io/name': `${prefix}blog-service` },
    });
    await createWorkload(admin, enforced, {
      kind: 'StatefulSet',
      name: `${prefix}db`,
      images: ['reg.example.com/db:5'],
    });
    await createWorkload(admin, plain, {
      kind: 'DaemonSet',
      name: `${prefix}agent`,
      images: ['reg.example.com/agent:3'],
    });
    await createWorkload(admin, plain, {
      kind: 'Deployment',
      name: `${prefix}tag`,
      images: ['reg.example.com/tag:2.0'],
      labels: { 'app.kubernetes.io/name': `${prefix}tag-service` },
    });
  }

  async function startFreezeBot(
    env: Record<string, string> = {},
    slack?: SlackStandIn,
    database?: TestDatabase,
  ) {
    t = await startTestBot(
      {
        KUBECONFIG: botKubeconfig,
        LEADER_ELECTION: 'off',
        DEVENV_PREPROD_NAMESPACE: enforced,
        FREEZE_NAMESPACES: `${enforced},${plain}`,
        GATE_API_TOKEN: GATE,
        GATE_ENVIRONMENTS: 'preprod',
        // No Jira here: the gate lets a named ticket through unverified, which is all these tests need.
        GATE_FAIL_OPEN: 'true',
        ...env,
      },
      { slack, database },
    );
    return t;
  }

  const gate = async (bot: TestBot, body: Record<string, unknown>) => {
    const res = await fetch(`${bot.baseUrl}/api/v1/gate/check`, {
      method: 'POST',
      headers: { authorization: `Bearer ${GATE}`, 'content-type': 'application/json' },
      body: JSON.stringify({ environment: 'preprod', issues: ['BLOG-1'], ...body }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const threadLines = (bot: TestBot): string[] =>
    bot.slack
      .deliveredOf('chat.postMessage')
      .filter((c: RecordedCall) => c.args.thread_ts !== undefined)
      .map((c) => String(c.args.text));
  const alarms = (bot: TestBot) => threadLines(bot).filter((l) => l.includes(':rotating_light:'));
  const revision = async (bot: TestBot) =>
    (await bot.rows("SELECT revision FROM releases WHERE version = '2.4'"))[0]!.revision as number;
  const freeze = async (bot: TestBot) => {
    await bot.command('/release', 'create 2.4');
    return replyText(await bot.command('/release', 'freeze 2.4'));
  };

  it('captures the bill of materials at freeze: every workload, container, init container and digest', async () => {
    const bot = await startFreezeBot();
    expect(await freeze(bot)).toContain('is frozen (revision 1)');
    const candidate = await fetch(`${bot.baseUrl}/api/v1/releases/2.4/candidate.json`, {
      headers: { authorization: `Bearer ${GATE}` },
    });
    const json = (await candidate.json()) as { revision: number; workloads: Record<string, unknown>[] };
    expect(json.revision).toBe(1);
    const mine = json.workloads.filter((w) => String(w.name).startsWith('a-'));
    expect(mine).toEqual([
      {
        namespace: plain,
        kind: 'DaemonSet',
        name: 'a-agent',
        service: 'a-agent',
        generation: 1,
        containers: [{ name: 'app', image: 'reg.example.com/agent:3', init: false }],
      },
      {
        namespace: enforced,
        kind: 'Deployment',
        name: 'a-blog',
        service: 'a-blog-service',
        generation: 1,
        containers: [
          { name: 'init0', image: 'reg.example.com/blog-migrate:1.0', init: true },
          { name: 'app', image: 'reg.example.com/blog:1.0', init: false },
          { name: 'side1', image: `reg.example.com/sidecar@${DIGEST}`, init: false },
        ],
      },
      {
        namespace: enforced,
        kind: 'StatefulSet',
        name: 'a-db',
        service: 'a-db',
        generation: 1,
        containers: [{ name: 'app', image: 'reg.example.com/db:5', init: false }],
      },
      {
        namespace: plain,
        kind: 'Deployment',
        name: 'a-tag',
        service: 'a-tag-service',
        generation: 1,
        containers: [{ name: 'app', image: 'reg.example.com/tag:2.0', init: false }],
      },
    ]);
    const listed = replyText(await bot.command('/release', 'candidate 2.4'));
    expect(listed).toContain(`*a-blog-service* ${enforced}/Deployment/a-blog`);
    expect(listed).toContain('`reg.example.com/blog-migrate:1.0`');
    const announcement = await bot.slack.waitFor(() =>
      bot.slack
        .deliveredOf('chat.postMessage')
        .find((c) => JSON.stringify(c.args.blocks ?? '').includes('*RC:*')),
    );
    expect(JSON.stringify(announcement.args.blocks)).toMatch(/\*RC:\* \d+ services in frz-/);
    expect(JSON.stringify(announcement.args.blocks)).toContain('`/release candidate 2.4` lists them');
  });

  it('tells an unapproved image change in the thread within seconds, naming who made it, and bumps the revision', async () => {
    const bot = await startFreezeBot();
    await freeze(bot);
    await bot.slack.waitFor(
      () => bot.bot.services.freeze.watch?.running && bot.bot.services.freeze.watch.stats.lists > 0,
    );
    const started = Date.now();
    const changed = await patchWorkload(
      admin,
      plain,
      'Deployment',
      'b-tag',
      setImage('reg.example.com/tag:6.6'),
      'kubectl-set',
    );
    expect(changed.status).toBe(200);
    const alarm = await bot.slack.waitFor(() => alarms(bot).find((l) => l.includes('b-tag-service')), 10_000);
    const tookMs = Date.now() - started;
    expect(alarm).toContain('`kubectl-set`');
    expect(alarm).toContain('app: reg.example.com/tag:2.0 → reg.example.com/tag:6.6');
    expect(await revision(bot)).toBe(2);
    // The managers hear of it directly too.
    await bot.slack.waitFor(() =>
      bot.slack
        .deliveredOf('chat.postMessage')
        .find((c) => c.args.channel === MANAGER && String(c.args.text).includes('b-tag-service')),
    );
    process.stdout.write(`freeze watch: set image → thread line in ${tookMs} ms\n`);

    // Scaling and relabelling keep the images: not a change of the candidate.
    await patchWorkload(admin, plain, 'Deployment', 'b-tag', setReplicas(4), 'kubectl-scale');
    await patchWorkload(admin, plain, 'Deployment', 'b-tag', setLabel('team', 'blue'), 'kubectl-label');
    // A later unapproved change is the marker that both earlier events were handled.
    await patchWorkload(admin, enforced, 'StatefulSet', 'b-db', setImage('reg.example.com/db:6'), 'helm');
    await bot.slack.waitFor(() => alarms(bot).find((l) => l.includes('b-db')), 10_000);
    expect(alarms(bot).filter((l) => l.includes('b-tag'))).toHaveLength(1);
    expect(await revision(bot)).toBe(3);

    // The diff between the revisions shows exactly what changed.
    const diff = replyText(await bot.command('/release', 'diff 2.4@1 2.4@3'));
    expect(diff).toContain('0 added, 0 removed, 2 changed');
    expect(diff).toContain('reg.example.com/tag:2.0 → reg.example.com/tag:6.6');
    expect(diff).toContain('reg.example.com/db:5 → reg.example.com/db:6');
  });

  it('takes an image the gate admitted as a late change, not an alarm', async () => {
    const bot = await startFreezeBot();
    await freeze(bot);
    await bot.slack.waitFor(() => bot.bot.services.freeze.watch?.stats.lists);
    const answer = await gate(bot, { service: 'c-tag-service', images: ['reg.example.com/tag:2.1'] });
    expect(answer.body.allowed).toBe(true);
    await patchWorkload(
      admin,
      plain,
      'Deployment',
      'c-tag',
      setImage('reg.example.com/tag:2.1'),
      'argocd-controller',
    );
    await bot.slack.waitFor(
      async () =>
        ((
          await bot.rows("SELECT count(*) AS n FROM audit_events WHERE action = 'candidate_change_admitted'")
        )[0]!.n as number) > 0,
      10_000,
    );
    expect(alarms(bot)).toEqual([]);
    const listed = replyText(await bot.command('/release', 'candidate 2.4'));
    expect(listed).toContain('`reg.example.com/tag:2.1`');
  });

  it('lists again after 410 Gone without reporting a change twice', async () => {
    const bot = await startFreezeBot();
    await freeze(bot);
    const watch = bot.bot.services.freeze.watch!;
    await bot.slack.waitFor(() => watch.stats.lists);
    await patchWorkload(
      admin,
      plain,
      'Deployment',
      'd-tag',
      setImage('reg.example.com/tag:7'),
      'kubectl-set',
    );
    await bot.slack.waitFor(() => alarms(bot).find((l) => l.includes('d-tag')), 10_000);
    // etcd compacts its history: a watch resumed from before that is answered 410 Gone, and lists again.
    await compactEtcd(inject('etcdUrl'));
    watch.resumeFrom('2');
    await bot.slack.waitFor(() => watch.stats.gone > 0 && watch.stats.lists > 1, 10_000);
    await patchWorkload(
      admin,
      plain,
      'Deployment',
      'd-tag',
      setImage('reg.example.com/tag:8'),
      'kubectl-set',
    );
    await bot.slack.waitFor(() => alarms(bot).find((l) => l.includes('tag:8')), 10_000);
    expect(alarms(bot).filter((l) => l.includes('d-tag'))).toHaveLength(2);
    expect(alarms(bot).filter((l) => l.includes('tag:2.0 → reg.example.com/tag:7'))).toHaveLength(1);
    expect(alarms(bot).filter((l) => l.includes('tag:7 → reg.example.com/tag:8'))).toHaveLength(1);
  });

  it('reports once, after the start, a change made while the bot was stopped', async () => {
    const slack = await new SlackStandIn().start();
    const database = await createTestDatabase();
    try {
      const bot = await startFreezeBot({}, slack, database);
      await freeze(bot);
      await bot.stop();
      t = undefined;
      await patchWorkload(
        admin,
        enforced,
        'StatefulSet',
        'e-db',
        setImage('reg.example.com/db:9'),
        'kubectl-edit',
      );
      const again = await startFreezeBot({}, slack, database);
      await again.slack.waitFor(() => alarms(again).find((l) => l.includes('e-db')), 10_000);
      // A restart more: still once.
      await again.stop();
      const fourth = await startFreezeBot({}, slack, database);
      await fourth.slack.waitFor(() => fourth.bot.services.freeze.watch?.stats.lists);
      expect(alarms(fourth).filter((l) => l.includes('e-db'))).toHaveLength(1);
      expect(alarms(fourth)[0]).toContain('`kubectl-edit`');
    } finally {
      await t?.stop();
      t = undefined;
      await slack.stop();
      await database.drop();
    }
  });

  it('watches on the instance that holds the Lease only, and on the next holder after a handover', async () => {
    const slack = await new SlackStandIn().start();
    const database = await createTestDatabase();
    const lease = {
      KUBECONFIG: inject('kubeconfigPath'),
      LEADER_ELECTION: 'on',
      LEASE_NAMESPACE: enforced,
      LEASE_NAME: 'release-bot-freeze-test',
      LEASE_DURATION: '2s',
    };
    const holder = await startFreezeBot(lease, slack, database);
    t = undefined;
    const standby = await startFreezeBot(lease, slack, database);
    t = undefined;
    try {
      await freeze(holder);
      await holder.slack.waitFor(() => holder.bot.services.freeze.watch?.running);
      // Polled every second: long enough for the standby to have started it, were it going to.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(standby.bot.services.freeze.watch?.running).toBe(false);
      await holder.stop();
      await standby.slack.waitFor(() => standby.bot.services.freeze.watch?.running, 10_000);
    } finally {
      await standby.stop();
      await slack.stop();
      await database.drop();
    }
  });

  describe('enforced by the API server (FREEZE_ENFORCEMENT=deny, the shipped policy applied)', () => {
    it('refuses an unapproved image, admits what the gate allowed at once, and lets scaling through', async () => {
      const bot = await startFreezeBot({ FREEZE_ENFORCEMENT: 'deny' });
      await freeze(bot);
      const refused = await patchWorkload(
        admin,
        enforced,
        'Deployment',
        'f-blog',
        setImage('reg.example.com/blog:2.0'),
        'kubectl-set',
      );
      expect(refused.status).toBe(403);
      expect(refused.message).toContain(
        'release 2.4 is frozen: reg.example.com/blog:2.0 did not pass the freeze gate; ask with /release exception or see /release status 2.4',
      );
      expect(
        (await patchWorkload(admin, enforced, 'Deployment', 'f-blog', setReplicas(3), 'kubectl-scale'))
          .status,
      ).toBe(200);
      // A namespace without the label is not enforced (its change is seen by the watch instead).
      expect(
        (
          await patchWorkload(
            admin,
            plain,
            'Deployment',
            'f-tag',
            setImage('reg.example.com/tag:9'),
            'kubectl-set',
          )
        ).status,
      ).toBe(200);

      const answer = await gate(bot, { service: 'f-blog-service', images: ['reg.example.com/blog:2.0'] });
      expect(answer).toMatchObject({ status: 200, body: { allowed: true } });
      // Deployed right after the 200, as a pipeline does: admission already sees the images.
      const deployed = await patchWorkload(
        admin,
        enforced,
        'Deployment',
        'f-blog',
        setImage('reg.example.com/blog:2.0'),
        'ci',
      );
      expect(deployed).toMatchObject({ status: 200, message: '' });
      // Only those: another image is still refused.
      expect(
        (
          await patchWorkload(
            admin,
            enforced,
            'Deployment',
            'f-blog',
            setImage('reg.example.com/blog:2.1'),
            'ci',
          )
        ).status,
      ).toBe(403);
    });

    it('restores a parameter deleted by hand, holds while the bot is stopped, and lifts at unfreeze', async () => {
      const slack = await new SlackStandIn().start();
      const database = await createTestDatabase();
      const bot = await startFreezeBot({ FREEZE_ENFORCEMENT: 'deny' }, slack, database);
      await freeze(bot);
      const core = admin.makeApiClient(k8s.CoreV1Api);
      const setDbImage = async () =>
        (
          await patchWorkload(
            admin,
            enforced,
            'StatefulSet',
            'g-db',
            setImage('reg.example.com/db:66'),
            'kubectl-set',
          )
        ).status;
      await core.deleteNamespacedConfigMap({ namespace: enforced, name: 'release-bot-freeze' });
      expect(await bot.bot.services.freeze.reconcileOnce()).toBeGreaterThanOrEqual(1);
      const restored = await core.readNamespacedConfigMap({
        namespace: enforced,
        name: 'release-bot-freeze',
      });
      expect(restored.data).toMatchObject({ release: '2.4', mode: 'deny' });
      expect(restored.metadata?.labels?.['release-bot.io/freeze-mode']).toBe('deny');

      await bot.stop();
      t = undefined;
      await eventually(async () => (await setDbImage()) === 403);

      const again = await startFreezeBot({ FREEZE_ENFORCEMENT: 'deny' }, slack, database);
      try {
        expect(replyText(await again.command('/release', 'unfreeze 2.4 not yet'))).toContain('planned again');
        await expect(
          core.readNamespacedConfigMap({ namespace: enforced, name: 'release-bot-freeze' }),
        ).rejects.toThrow();
        await eventually(async () => (await setDbImage()) === 200);
      } finally {
        await again.stop();
        t = undefined;
        await slack.stop();
        await database.drop();
      }
    });

    it('answers 503 while the parameter cannot be written, and the same check retried writes it', async () => {
      const ungranted = await freshNamespace(admin, 'frz');
      const bot = await startFreezeBot({
        FREEZE_ENFORCEMENT: 'deny',
        FREEZE_NAMESPACES: `${enforced},${ungranted}`,
        KUBE_TIMEOUT: '2s',
      });
      await freeze(bot);
      const check = { service: 'a-db', commit: 'feedbeef', images: ['reg.example.com/db:77'] };
      const refused = await gate(bot, check);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: 'enforcement_unavailable' });
      expect(String(refused.body.reason)).toContain('Retry the same check');
      await grantFreezeNamespace(admin, kustomize, ungranted, enforced);
      await eventually(async () => (await gate(bot, check)).status === 200);
      expect(
        (await patchWorkload(admin, enforced, 'StatefulSet', 'a-db', setImage('reg.example.com/db:77'), 'ci'))
          .status,
      ).toBe(200);
    });

    it('in warn mode, warns and lets the update through', async () => {
      const bot = await startFreezeBot({ FREEZE_ENFORCEMENT: 'warn' });
      await freeze(bot);
      await eventually(async () => {
        const result = await patchWorkload(
          admin,
          enforced,
          'StatefulSet',
          'h-db',
          setImage(`reg.example.com/db:${Date.now()}`),
          'kubectl-set',
        );
        expect(result.status).toBe(200);
        return result.warnings.some((w) => w.includes('release 2.4 is frozen'));
      });
    });

    it('admits the images of an approved exception and of /release allow, and lists the allow as a late change', async () => {
      const bot = await startFreezeBot({ FREEZE_ENFORCEMENT: 'deny' });
      await freeze(bot);
      const allowed = replyText(
        await bot.command('/release', 'allow i-db reg.example.com/db:7 restore from backup'),
      );
      expect(allowed).toContain('is admitted for *i-db*');
      expect(
        (
          await patchWorkload(
            admin,
            enforced,
            'StatefulSet',
            'i-db',
            setImage('reg.example.com/db:7'),
            'kubectl-set',
          )
        ).status,
      ).toBe(200);
      const notes = replyText(await bot.command('/release', 'notes 2.4'));
      expect(notes).toContain('i-db: reg.example.com/db:7 allowed by');
      // Asked again: nothing changes twice.
      expect(replyText(await bot.command('/release', 'allow i-db reg.example.com/db:7 again'))).toContain(
        'was already admitted',
      );
      // An exception that carries its image: admitted when a manager approves it, not before.
      const asked = replyText(
        await bot.command(
          '/release',
          'exception 2.4 BLOG-2 i-db restore image=reg.example.com/db:9',
          'UDEV00001',
        ),
      );
      expect(asked).toContain('Exception #1 requested');
      const deploy9 = () =>
        patchWorkload(admin, enforced, 'StatefulSet', 'i-db', setImage('reg.example.com/db:9'), 'ci');
      expect((await deploy9()).status).toBe(403);
      await bot.click(ActionIds.exceptionApprove, '1', MANAGER);
      await eventually(async () => (await deploy9()).status === 200);
      // Someone who is not a manager may not.
      expect(
        replyText(await bot.command('/release', 'allow i-db reg.example.com/db:8 sneaky', 'UDEV00001')),
      ).toMatch(/release managers/i);
    });
  });
});

async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Compacts etcd's history up to now, through its v3 JSON gateway. */
async function compactEtcd(etcdUrl: string): Promise<void> {
  const range = (await (
    await fetch(`${etcdUrl}/v3/kv/range`, {
      method: 'POST',
      body: JSON.stringify({ key: Buffer.from('/').toString('base64') }),
    })
  ).json()) as { header: { revision: string } };
  const compacted = await fetch(`${etcdUrl}/v3/kv/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision: range.header.revision, physical: true }),
  });
  if (!compacted.ok) throw new Error(`etcd compaction failed: ${compacted.status}`);
}
