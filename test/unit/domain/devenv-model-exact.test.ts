import { describe, expect, it } from 'vitest';
import {
  closestNames,
  deriveEnvName,
  describeTarget,
  isDnsLabel,
  namespaceFor,
  parseEnvName,
  parseOverride,
  parseServiceName,
} from '../../../src/domain/devenv/model.js';
import { AppError } from '../../../src/domain/errors.js';

describe('devenv names and targets, exactly', () => {
  it.each<[string, number | undefined, boolean]>([
    ['a', undefined, true],
    ['a'.repeat(63), undefined, true],
    ['a'.repeat(64), undefined, false],
    ['abc', 3, true],
    ['abcd', 3, false],
    ['-a', undefined, false],
    ['a-', undefined, false],
    ['A', undefined, false],
    ['', undefined, false],
  ])('isDnsLabel(%j, %j) is %s', (text, max, ok) => {
    expect(isDnsLabel(text, max)).toBe(ok);
  });

  it('names environments of up to 30 characters, and says what is wrong', () => {
    expect(parseEnvName('a'.repeat(30))).toBe('a'.repeat(30));
    expect(() => parseEnvName(`${'A'.repeat(50)}`)).toThrow(
      new AppError(
        'invalid_input',
        `\`${'A'.repeat(40)}\` is not a valid environment name: up to 30 lowercase letters, digits and \`-\`, starting and ending with a letter or digit.`,
      ),
    );
    expect(parseServiceName('blog-service')).toBe('blog-service');
    expect(() => parseServiceName(`Blog_${'x'.repeat(80)}`)).toThrow(
      new AppError(
        'invalid_input',
        `\`${`Blog_${'x'.repeat(80)}`.slice(0, 70)}\` is not a service name (lowercase letters, digits and \`-\`).`,
      ),
    );
  });

  it.each([
    ['Ana María', 'x1y2', 'ana-mar-a-x1y2'],
    ['--Ana--', 'x1y2', 'ana-x1y2'],
    ['!!!', 'x1y2', 'dev-x1y2'],
    ['a'.repeat(24) + '--b', 'x1y2', `${'a'.repeat(24)}-x1y2`],
    ['ana..bo', 'x1y2', 'ana-bo-x1y2'],
  ])('derives an environment name from %j', (name, suffix, env) => {
    expect(deriveEnvName(name, suffix)).toBe(env);
  });

  it('places an environment in its namespace', () => {
    expect(namespaceFor('devenv-{env}', 'ana')).toBe('devenv-ana');
    expect(namespaceFor('fixed', 'ana')).toBe('fixed');
  });

  it.each([
    [
      'blog',
      { service: 'blog', target: { kind: 'devenv-namespace', namespace: 'devenv-ana', service: 'blog' } },
    ],
    [
      'blog@team-x/blog-next',
      { service: 'blog', target: { kind: 'cluster', namespace: 'team-x', service: 'blog-next' } },
    ],
    [
      'blog@Box.Dev.Example.com:8080',
      { service: 'blog', target: { kind: 'external', host: 'box.dev.example.com', port: 8080 } },
    ],
    [
      'blog@box.example.com:1',
      { service: 'blog', target: { kind: 'external', host: 'box.example.com', port: 1 } },
    ],
    [
      'blog@box.example.com:65535',
      { service: 'blog', target: { kind: 'external', host: 'box.example.com', port: 65535 } },
    ],
  ])('reads the override %j', (token, override) => {
    expect(parseOverride(token, 'devenv-ana')).toEqual(override);
  });

  it.each([
    ['blog@Team/x', '`Team/x` is not namespace/name of a Service.'],
    ['blog@team/X', '`team/X` is not namespace/name of a Service.'],
    ['blog@box:80', '`box:80` is not host:port of an endpoint (e.g. dev-box.example.com:8080).'],
    [
      'blog@box.example.com:0',
      '`box.example.com:0` is not host:port of an endpoint (e.g. dev-box.example.com:8080).',
    ],
    [
      'blog@box.example.com:65536',
      '`box.example.com:65536` is not host:port of an endpoint (e.g. dev-box.example.com:8080).',
    ],
    [
      'blog@box_x.example.com:80',
      '`box_x.example.com:80` is not host:port of an endpoint (e.g. dev-box.example.com:8080).',
    ],
    [
      'blog@a/b/c',
      '`blog@a/b/c`: a target is `service@namespace/name` (in the cluster) or `service@host:port` (outside).',
    ],
    ['blog@x/y:80', '`x/y:80` is not namespace/name of a Service.'],
    [
      'blog@box.example.com:80x',
      '`blog@box.example.com:80x`: a target is `service@namespace/name` (in the cluster) or `service@host:port` (outside).',
    ],
  ])('refuses the override %j', (token, message) => {
    expect(() => parseOverride(token, 'devenv-ana')).toThrow(new AppError('invalid_input', message));
  });

  it('describes targets as people write them', () => {
    expect(describeTarget({ kind: 'cluster', namespace: 'team-x', service: 'b' })).toBe('team-x/b');
    expect(describeTarget({ kind: 'devenv-namespace', namespace: 'devenv-ana', service: 'b' })).toBe(
      'devenv-ana/b',
    );
    expect(describeTarget({ kind: 'external', host: 'box.example.com', port: 8080 })).toBe(
      'box.example.com:8080',
    );
  });

  it('suggests the closest names first, ties in alphabetical order, at most three', () => {
    const services = ['blog-service', 'tag-service', 'comment-service', 'blog-api', 'search'];
    expect(closestNames('blog-servce', services)).toEqual(['blog-service']);
    expect(closestNames('blog', services)).toEqual(['blog-api', 'blog-service']);
    expect(closestNames('serch', services)).toEqual(['search']);
    expect(closestNames('xyz', services)).toEqual([]);
    expect(closestNames('b', ['c', 'a', 'bb', 'd'], 2)).toEqual(['a', 'bb']);
    expect(closestNames('tag-servic', ['tag-service', 'tag-servic2', 'tag-servi'])).toEqual([
      'tag-servi',
      'tag-servic2',
      'tag-service',
    ]);
  });
});
