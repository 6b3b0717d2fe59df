import { describe, expect, it } from 'vitest';
import {
  classifyChange,
  containerChanges,
  countServices,
  imagesOf,
  describeChange,
  diffCandidates,
  isImageReference,
  lastTemplateManager,
  matchesNamespaceGlob,
  sameContainers,
  serviceOf,
  type CandidateWorkload,
  type ContainerImage,
} from '../../../src/domain/candidate.js';
import { renderFreezeParameter } from '../../../src/domain/freeze-parameter.js';

const app = (image: string, container = 'app'): ContainerImage => ({ container, image, init: false });
const init = (image: string, container = 'migrate'): ContainerImage => ({ container, image, init: true });

function workload(name: string, containers: ContainerImage[], more: Partial<CandidateWorkload> = {}) {
  return {
    namespace: 'preprod',
    kind: 'Deployment' as const,
    name,
    service: name,
    containers,
    generation: 1,
    ...more,
  };
}

describe('image references', () => {
  it.each([
    'nginx',
    'reg/blog:2.4.1',
    'registry.example.com:5000/team/blog:2.4.1-rc.1',
    `reg/blog@sha256:${'a'.repeat(64)}`,
    `reg/blog:2.4@sha256:${'0'.repeat(64)}`,
  ])('accepts %s', (ref) => {
    expect(isImageReference(ref)).toBe(true);
  });

  it('accepts up to 512 characters and no more', () => {
    const of = (length: number) => `reg/${'a'.repeat(length - 6)}:1`;
    expect(of(512)).toHaveLength(512);
    expect(isImageReference(of(512))).toBe(true);
    expect(isImageReference(of(513))).toBe(false);
  });

  it.each([
    '',
    'Reg/Blog:1',
    'reg/blog:2 --privileged',
    'reg/blog:$(id)',
    'reg/blog@sha256:abc',
    `reg/${'a'.repeat(600)}`,
    'reg//blog:1',
  ])('refuses %j', (ref) => {
    expect(isImageReference(ref)).toBe(false);
  });
});

describe('the candidate', () => {
  it('names a workload by the service label, or by its own name without one', () => {
    expect(serviceOf('blog-v2', { 'app.kubernetes.io/name': 'blog' }, 'app.kubernetes.io/name')).toBe('blog');
    expect(serviceOf('blog-v2', { app: 'blog' }, 'app.kubernetes.io/name')).toBe('blog-v2');
    expect(serviceOf('blog-v2', { 'app.kubernetes.io/name': '  ' }, 'app.kubernetes.io/name')).toBe(
      'blog-v2',
    );
  });

  it('lists a workload’s images once each, sorted, and counts services not workloads', () => {
    expect(imagesOf({ containers: [app('b:1'), init('a:1'), app('b:1', 'two')] })).toEqual(['a:1', 'b:1']);
    expect(
      countServices([
        workload('blog', []),
        workload('blog-worker', [], { service: 'blog' }),
        workload('tag', []),
      ]),
    ).toBe(2);
  });

  it('compares pod templates by container, init containers apart, in any order', () => {
    expect(sameContainers([app('a:1'), app('b:1', 'side')], [app('b:1', 'side'), app('a:1')])).toBe(true);
    expect(sameContainers([app('a:1')], [app('a:2')])).toBe(false);
    expect(sameContainers([app('a:1')], [init('a:1', 'app')])).toBe(false);
    expect(sameContainers([app('a:1')], [app('a:1'), app('a:1', 'two')])).toBe(false);
    expect(sameContainers([app('a:1'), app('s:1', 'side')], [app('a:1')])).toBe(false);
  });

  it('lists each container change: changed, new and removed', () => {
    expect(containerChanges([app('a:1'), init('m:1')], [app('a:2'), app('s:1', 'side')])).toEqual([
      { container: 'app', init: false, from: 'a:1', to: 'a:2' },
      { container: 'side', init: false, from: null, to: 's:1' },
      { container: 'migrate', init: true, from: 'm:1', to: null },
    ]);
    expect(describeChange({ container: 'app', init: false, from: 'a:1', to: 'a:2' })).toBe('app: a:1 → a:2');
    expect(describeChange({ container: 'm', init: true, from: null, to: 'm:2' })).toBe('init m: new, m:2');
    expect(describeChange({ container: 'm', init: false, from: 'm:1', to: null })).toBe(
      'm: removed (was m:1)',
    );
  });

  it('diffs two candidates into exactly the added, removed and changed workloads', () => {
    const from = [
      workload('blog', [app('blog:1')]),
      workload('tag', [app('tag:1')]),
      workload('old', [app('o:1')]),
    ];
    const to = [
      workload('blog', [app('blog:2')]),
      workload('tag', [app('tag:1')], { generation: 7 }),
      workload('new', [app('n:1')]),
    ];
    const diff = diffCandidates(from, to);
    expect(diff.added.map((w) => w.name)).toEqual(['new']);
    expect(diff.removed.map((w) => w.name)).toEqual(['old']);
    expect(diff.changed).toEqual([
      {
        service: 'blog',
        namespace: 'preprod',
        kind: 'Deployment',
        name: 'blog',
        changes: [{ container: 'app', init: false, from: 'blog:1', to: 'blog:2' }],
      },
    ]);
  });

  it('lists added, removed and changed workloads by service, then by where they run', () => {
    const diff = diffCandidates(
      [
        workload('zeta', [app('z:1')]),
        workload('alpha', [app('a:1')]),
        workload('old-b', []),
        workload('old-a', []),
      ],
      [
        workload('zeta', [app('z:2')]),
        workload('alpha', [app('a:2')]),
        workload('new-b', []),
        workload('new-a', [], { namespace: 'preprod-b' }),
        workload('new-a', []),
      ],
    );
    expect(diff.added.map((w) => `${w.namespace}/${w.name}`)).toEqual([
      'preprod-b/new-a',
      'preprod/new-a',
      'preprod/new-b',
    ]);
    expect(diff.removed.map((w) => w.name)).toEqual(['old-a', 'old-b']);
    expect(diff.changed.map((w) => w.name)).toEqual(['alpha', 'zeta']);
  });

  it('orders by service first, whatever the workloads are called', () => {
    const diff = diffCandidates(
      [],
      [workload('aa', [], { service: 'omega' }), workload('zz', [], { service: 'alpha' })],
    );
    expect(diff.added.map((w) => w.service)).toEqual(['alpha', 'omega']);
  });

  it('keys workloads by namespace and kind too: the same name elsewhere is another workload', () => {
    const diff = diffCandidates(
      [workload('blog', [app('blog:1')])],
      [workload('blog', [app('blog:1')], { namespace: 'preprod-b' })],
    );
    expect(diff.added).toHaveLength(1);
    expect(diff.removed).toHaveLength(1);
  });
});

describe('a change seen during a freeze', () => {
  const stored = workload('blog', [app('blog:1'), init('migrate:1')]);

  it('is no change when only replicas or metadata moved (same images)', () => {
    expect(classifyChange(stored, { containers: [init('migrate:1'), app('blog:1')] }, new Set())).toEqual({
      kind: 'unchanged',
    });
  });

  it('is admitted when every new image was admitted', () => {
    expect(
      classifyChange(stored, { containers: [app('blog:2'), init('migrate:1')] }, new Set(['blog:2'])),
    ).toMatchObject({
      kind: 'admitted',
    });
  });

  it('is admitted when it moves back to an image it ran, like the policy allows', () => {
    const swapped = { containers: [app('migrate:1'), init('migrate:1')] };
    expect(classifyChange(stored, swapped, new Set()).kind).toBe('admitted');
  });

  it('is unapproved otherwise, naming the images nobody admitted', () => {
    expect(
      classifyChange(stored, { containers: [app('blog:3'), init('migrate:2')] }, new Set(['blog:3'])),
    ).toEqual({
      kind: 'unapproved',
      changes: [
        { container: 'app', init: false, from: 'blog:1', to: 'blog:3' },
        { container: 'migrate', init: true, from: 'migrate:1', to: 'migrate:2' },
      ],
      unapprovedImages: ['migrate:2'],
    });
  });

  it('names each unapproved image once, sorted', () => {
    const verdict = classifyChange(
      stored,
      { containers: [app('z:9'), init('a:9'), app('z:9', 'copy')] },
      new Set(),
    );
    expect(verdict).toMatchObject({ kind: 'unapproved', unapprovedImages: ['a:9', 'z:9'] });
  });

  it('counts a workload new to the candidate as all new images', () => {
    expect(classifyChange(undefined, { containers: [app('x:1')] }, new Set()).kind).toBe('unapproved');
    expect(classifyChange(undefined, { containers: [app('x:1')] }, new Set(['x:1'])).kind).toBe('admitted');
  });
});

describe('who changed it', () => {
  const template = { 'f:spec': { 'f:template': { 'f:spec': {} } } };
  it('is the newest managedFields entry that owns the pod template', () => {
    expect(
      lastTemplateManager([
        { manager: 'helm', operation: 'Update', time: '2026-11-30T10:00:00Z', fieldsV1: template },
        { manager: 'kubectl-set', operation: 'Update', time: '2026-11-30T11:00:00Z', fieldsV1: template },
        {
          manager: 'kubectl-scale',
          operation: 'Update',
          time: '2026-11-30T12:00:00Z',
          fieldsV1: { 'f:spec': { 'f:replicas': {} } },
        },
      ]),
    ).toBe('kubectl-set');
  });

  it('is unknown when nobody owns the pod template', () => {
    expect(lastTemplateManager(undefined)).toBeUndefined();
    expect(lastTemplateManager([{ manager: 'x', fieldsV1: { 'f:metadata': {} } }])).toBeUndefined();
  });
});

describe('freeze namespaces', () => {
  it.each([
    ['preprod', ['preprod'], true],
    ['preprod-eu', ['preprod-*'], true],
    ['preprod', ['preprod-*'], false],
    ['preprodx', ['preprod?'], true],
    ['team.a', ['team*'], false],
    ['other', ['preprod', 'pre*'], false],
    ['preprod', ['other', 'preprod'], true],
    ['teamxa', ['team.a'], false],
    ['teama', ['team.a'], false],
  ])('%s matches %j: %s', (ns, patterns, expected) => {
    expect(matchesNamespaceGlob(ns, patterns)).toBe(expected);
  });
});

describe('the admission parameter', () => {
  it('is absent when enforcement is off or nothing is frozen', () => {
    expect(
      renderFreezeParameter({ mode: 'off', frozenVersions: ['2.4'], admittedImages: [] }),
    ).toBeUndefined();
    expect(
      renderFreezeParameter({ mode: 'deny', frozenVersions: [], admittedImages: ['a:1'] }),
    ).toBeUndefined();
  });

  it('lists the frozen releases and admitted images, each once and sorted, and picks the binding by label', () => {
    const parameter = renderFreezeParameter({
      mode: 'deny',
      frozenVersions: ['2.5', '2.4'],
      admittedImages: ['reg/b:2', 'reg/a:1', 'reg/b:2'],
    })!;
    expect(parameter.labels).toEqual({
      'app.kubernetes.io/managed-by': 'release-bot',
      'release-bot.io/freeze-mode': 'deny',
    });
    expect(parameter.data).toMatchObject({ release: '2.4, 2.5', mode: 'deny', images: 'reg/a:1 reg/b:2' });
    expect(parameter.data.digest).toMatch(/^[0-9a-f]{16}$/);
  });

  it('names its content by digest: a new image or another mode is another digest, the same content the same', () => {
    const digest = (mode: 'warn' | 'deny', images: string[]) =>
      renderFreezeParameter({ mode, frozenVersions: ['2.4'], admittedImages: images })!.data.digest;
    expect(digest('deny', ['a:1', 'b:1'])).toBe(digest('deny', ['b:1', 'a:1']));
    expect(digest('deny', ['a:1'])).not.toBe(digest('deny', ['a:1', 'b:1']));
    expect(digest('deny', ['a:1'])).not.toBe(digest('warn', ['a:1']));
  });
});
