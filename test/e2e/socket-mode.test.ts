import { afterEach, describe, expect, inject, it } from 'vitest';
import { freshNamespace, kubeConfig } from '../support/kube.js';
import { createTestDatabase, testStore } from '../support/test-database.js';
import { MANAGER, replyText, startTestBot, type TestBot } from '../support/bot-harness.js';
import { RELEASE_CHANNEL, TEAM_ID } from '../support/slack-payloads.js';

describe('Socket Mode', () => {
  let t: TestBot;
  afterEach(async () => {
    await t.stop();
  });

  it('connects through apps.connections.open, acks each envelope and runs the command', async () => {
    t = await startTestBot({ SLACK_APP_TOKEN: 'xapp-1-A0RELEASEBOT-test', SLACK_SIGNING_SECRET: '' });
    await t.slack.waitFor(() => t.slack.socketConnected);
    const open = t.slack.callsOf('apps.connections.open')[0]!;
    expect(open.token).toBe('xapp-1-A0RELEASEBOT-test');

    const { url } = t.slack.newResponseUrl();
    t.slack.sendEnvelope({
      envelope_id: 'env-0001',
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: {
        token: 'legacy',
        team_id: TEAM_ID,
        team_domain: 'acme',
        channel_id: RELEASE_CHANNEL,
        channel_name: 'releases',
        user_id: MANAGER,
        user_name: 'manager',
        command: '/release',
        text: 'create 5.0',
        api_app_id: 'A0RELEASEBOT',
        response_url: url,
        trigger_id: '1.2.3',
      },
    });
    const ack = await t.slack.waitFor(() => t.slack.socketAcks.find((a) => a.envelope_id === 'env-0001'));
    expect(ack.envelope_id).toBe('env-0001');
    // Committed before the ack, so the reply rides on the envelope's ack payload.
    expect(replyText(ack.payload as Record<string, unknown>)).toContain('Release *5.0* is planned');
    expect(await t.rows('select version, state from releases')).toEqual([
      { version: '5.0', state: 'planned' },
    ]);
    expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${t.baseUrl}/slack/events`, { method: 'POST', body: '' })).status).toBe(404);
  });
});

describe('Socket Mode with two replicas and one Lease', () => {
  const leaseEnv = async () => {
    const kc = kubeConfig(inject('kubeconfigPath'));
    const ns = await freshNamespace(kc, 'sock');
    const env = {
      SLACK_APP_TOKEN: 'xapp-1-A0RELEASEBOT-test',
      SLACK_SIGNING_SECRET: '',
      KUBECONFIG: inject('kubeconfigPath'),
      LEADER_ELECTION: 'on',
      LEASE_NAMESPACE: ns,
      DEVENV_PREPROD_NAMESPACE: ns,
      LEASE_DURATION: '2s',
    };
    return env;
  };

  it.skipIf(testStore === 'postgres')(
    'opens a socket on the Lease holder only, and on the standby once it takes over',
    async () => {
      const env = await leaseEnv();
      const database = await createTestDatabase();
      const holder = await startTestBot(env, { database });
      const standby = await startTestBot(env, { database });
      try {
        await holder.slack.waitFor(() => holder.slack.socketConnected);
        // A standby that opened a socket would get about half of all events, and refuse them.
        await new Promise((r) => setTimeout(r, 1_500));
        expect(standby.slack.callsOf('apps.connections.open')).toEqual([]);
        await holder.stop();
        await standby.slack.waitFor(() => standby.slack.socketConnected, 10_000);
        expect(standby.slack.callsOf('apps.connections.open')).toHaveLength(1);
      } finally {
        await standby.stop();
        await database.drop();
      }
    },
  );

  // On a shared store every replica serves: each opens its own socket, Lease or not.
  it.skipIf(testStore === 'sqlite')(
    'opens a socket on every replica of one PostgreSQL database',
    async () => {
      const env = await leaseEnv();
      const first = await startTestBot(env);
      const second = await startTestBot(env, { database: first.database });
      try {
        await first.slack.waitFor(() => first.slack.socketConnected);
        await second.slack.waitFor(() => second.slack.socketConnected);
        expect(first.slack.callsOf('apps.connections.open')).toHaveLength(1);
        expect(second.slack.callsOf('apps.connections.open')).toHaveLength(1);
      } finally {
        await second.stop();
        await first.stop();
      }
    },
  );
});
