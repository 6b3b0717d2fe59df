import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', RELEASE_CHANNEL: 'C0123' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
}

describe('configuration', () => {
  it('fills defaults', () => {
    const config = loadConfig(base);
    expect(config.http.port).toBe(3000);
    expect(config.databasePath).toBe('./data/release-bot.sqlite');
    expect(config.releaseManagers).toBeUndefined();
    expect(config.jira).toBeUndefined();
    expect(config.devenv.ttlDefaultSeconds).toBe(8 * 3600);
  });

  it('parses RELEASE_MANAGERS as IDs or *', () => {
    expect(loadConfig({ ...base, RELEASE_MANAGERS: 'U123, S456' }).releaseManagers).toEqual({
      everyone: false,
      ids: ['U123', 'S456'],
    });
    expect(loadConfig({ ...base, RELEASE_MANAGERS: '*' }).releaseManagers).toEqual({
      everyone: true,
      ids: [],
    });
    expect(problems({ ...base, RELEASE_MANAGERS: 'ana' })).toEqual([
      'RELEASE_MANAGERS: "ana" is not a Slack user (U…/W…) or user-group (S…) ID',
    ]);
  });

  it('selects PostgreSQL by DATABASE_URL, and says what is wrong with a bad URL, pool size or CA file', () => {
    expect(loadConfig(base).postgres).toBeUndefined();
    expect(
      loadConfig({
        ...base,
        DATABASE_URL: 'postgres://bot:pw@db:5432/rb',
        DATABASE_POOL_SIZE: '4',
        DATABASE_TIMEOUT: '5s',
      }).postgres,
    ).toEqual({
      url: 'postgres://bot:pw@db:5432/rb',
      poolSize: 4,
      caFile: undefined,
      timeoutSeconds: 5,
    });
    expect(
      problems({
        ...base,
        DATABASE_URL: 'mysql://db/rb',
        DATABASE_POOL_SIZE: '0',
        DATABASE_CA_FILE: '/nowhere/ca.pem',
      }),
    ).toEqual([
      'DATABASE_URL: must be a postgres:// URL such as postgres://bot:secret@db:5432/release_bot',
      'DATABASE_POOL_SIZE: must be at least 1',
      'DATABASE_CA_FILE: there is no file at /nowhere/ca.pem: mount the CA’s PEM there, or unset it',
    ]);
  });

  it('refuses a half-configured link and a namespace template without {env}', () => {
    expect(problems({ ...base, DEVENV_DOMAIN: 'dev.acme.test' })).toEqual([
      'DEVENV_GATEWAY: the per-environment link needs DEVENV_DOMAIN, DEVENV_GATEWAY and DEVENV_ENTRY_SERVICE together (DEVENV_DOMAIN set): set all three or none',
    ]);
    expect(problems({ ...base, DEVENV_NAMESPACE_TEMPLATE: 'devenv' })).toEqual([
      'DEVENV_NAMESPACE_TEMPLATE: must contain {env} (every environment has its own namespace)',
    ]);
  });

  it('parses who may create environments and where routes may point', () => {
    const config = loadConfig({
      ...base,
      DEVENV_USERS: 'U1AAA, S2BBB',
      DEVENV_TARGET_NAMESPACES: 'team-*, shared',
      DEVENV_EXTERNAL_HOSTS: '.Dev.Acme.test, api.partner.test',
    });
    expect(config.devenv.users).toEqual({ everyone: false, ids: ['U1AAA', 'S2BBB'] });
    expect(config.devenv.targetNamespaces).toEqual(['team-*', 'shared']);
    expect(config.devenv.externalHosts).toEqual(['.dev.acme.test', 'api.partner.test']);
    expect(loadConfig(base).devenv.users).toEqual({ everyone: true, ids: [] });
    expect(problems({ ...base, DEVENV_EXTERNAL_HOSTS: 'http://x' })).toHaveLength(1);
  });

  it('adds the trailing slash Bolt needs to SLACK_API_URL', () => {
    expect(loadConfig({ ...base, SLACK_API_URL: 'http://127.0.0.1:9/api' }).slack.apiUrl).toBe(
      'http://127.0.0.1:9/api/',
    );
  });

  it.each([
    [
      { SLACK_SIGNING_SECRET: '' },
      '`SLACK_SIGNING_SECRET` is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
    ],
    [
      { JIRA_BASE_URL: 'https://acme.atlassian.net', JIRA_PROJECTS: 'BLOG' },
      'JIRA_BASE_URL: JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN go together: set all three or none',
    ],
    [{ DEVENV_TTL_DEFAULT: '4d' }, 'DEVENV_TTL_DEFAULT: must not exceed DEVENV_TTL_MAX'],
    [{ DEVENV_TTL_MAX: 'forever' }, 'DEVENV_TTL_MAX: "forever" is not a duration like 30m, 8h or 2d'],
    [{ SIGNOFF_ROLES: 'qa' }, 'SIGNOFF_ROLES: "qa" is not name=members[:quorum]'],
    [
      { DEVENV_MESH: 'gateway-api' },
      '`DEVENV_ROUTING_HEADER` is required with DEVENV_MESH=gateway-api (Gateway API matches headers exactly; baggage regex is not Core)',
    ],
  ])('reports %j as one line', (env, line) => {
    expect(problems({ ...base, ...env })).toEqual([line]);
  });

  it('.env.example names every variable the configuration reads', () => {
    const example = readFileSync('.env.example', 'utf8');
    const documented = [...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]);
    const read = [...readFileSync('src/config.ts', 'utf8').matchAll(/^ {4}([A-Z][A-Z_]+): /gm)].map(
      (m) => m[1],
    );
    expect(read.length).toBeGreaterThan(20);
    // KUBERNETES_SERVICE_HOST is set by Kubernetes in every pod, never by the operator.
    expect(read.filter((name) => !documented.includes(name) && name !== 'KUBERNETES_SERVICE_HOST')).toEqual(
      [],
    );
  });
});
