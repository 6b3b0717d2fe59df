import { describe, expect, it } from 'vitest';
import { devenvOf, HEADER_ROUTING } from '../../support/devenv-fixtures.js';
import { serviceEntryName } from '../../../src/domain/devenv/names.js';
import { renderGatewayApi } from '../../../src/domain/devenv/render-gateway-api.js';
import { routingKeyHeader, sortedEnvs } from '../../../src/domain/devenv/routing.js';
import { AppError } from '../../../src/domain/errors.js';

const settings = HEADER_ROUTING;
const env = devenvOf;

describe('small devenv rules, exactly', () => {
  it('orders environments by name, equal names kept together', () => {
    const envs = [env('bo'), env('ana'), env('cy'), env('ana')];
    expect(sortedEnvs(envs).map((e) => e.name)).toEqual(['ana', 'ana', 'bo', 'cy']);
    expect(sortedEnvs([env('b'), env('a')]).map((e) => e.name)).toEqual(['a', 'b']);
    expect(sortedEnvs([env('a'), env('b')]).map((e) => e.name)).toEqual(['a', 'b']);
  });

  it('says how to enter an environment: the configured header, or W3C baggage', () => {
    expect(routingKeyHeader('ana', settings)).toEqual({ name: 'x-devenv', value: 'ana' });
    expect(routingKeyHeader('ana', { ...settings, routingHeader: undefined })).toEqual({
      name: 'baggage',
      value: 'devenv=ana',
    });
  });

  it('never ends a generated name on dashes where the readable part is cut', () => {
    // 46 readable characters fit; here the cut lands on two dashes.
    const env = `${'a'.repeat(30)}`;
    expect(serviceEntryName(env, `${'b'.repeat(14)}--cc`)).toMatch(/^devenv-a{30}-b{14}-[0-9a-f]{8}$/);
  });

  it('names AppError so logs and tests can tell it apart', () => {
    expect(new AppError('invalid_input', 'x').name).toBe('AppError');
  });

  it('renders Gateway API routes labelled as ours, with the link routed to the entry service', () => {
    const routes = renderGatewayApi(
      [env('ana', 'blog', 'web@team-x/web-next')],
      {
        ...settings,
        link: { domain: 'dev.example.com', gateway: 'gw-ns/dev', entryService: 'web' },
      },
      {},
    );
    expect(routes.map((r) => [r.kind, r.metadata.labels])).toEqual([
      [
        'HTTPRoute',
        {
          'app.kubernetes.io/managed-by': 'release-bot',
          'release-bot.io/devenv': 'ana',
          'release-bot.io/service': 'blog',
        },
      ],
      [
        'HTTPRoute',
        {
          'app.kubernetes.io/managed-by': 'release-bot',
          'release-bot.io/devenv': 'ana',
          'release-bot.io/service': 'web',
        },
      ],
      ['HTTPRoute', { 'app.kubernetes.io/managed-by': 'release-bot', 'release-bot.io/devenv': 'ana' }],
    ]);
    expect(JSON.stringify(routes[2]!.spec)).toContain('"name":"web-next","namespace":"team-x"');
  });

  it('refuses to render an outside target for Gateway API', () => {
    expect(() => renderGatewayApi([env('ana', 'blog@box.dev.example.com:8080')], settings, {})).toThrow(
      'external targets are not rendered for Gateway API',
    );
  });
});
