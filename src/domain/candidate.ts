/**
 * The release candidate as the cluster runs it: its bill of materials (which workload runs which images),
 * the difference between two of them, and how a change seen during a freeze is classed. Pure.
 */

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export interface ContainerImage {
  container: string;
  image: string;
  init: boolean;
}

export interface CandidateWorkload {
  namespace: string;
  kind: WorkloadKind;
  name: string;
  service: string;
  containers: ContainerImage[];
  generation: number;
}

/**
 * An image reference as Docker's reference grammar allows it: registry host (with port), path, tag and/or
 * digest. Anything else never reaches a ConfigMap, a policy or Slack.
 */
export const IMAGE_REFERENCE =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export function isImageReference(text: string): boolean {
  return text.length <= 512 && IMAGE_REFERENCE.test(text);
}

export function workloadKey(w: Pick<CandidateWorkload, 'namespace' | 'kind' | 'name'>): string {
  return `${w.namespace}/${w.kind}/${w.name}`;
}

/** The service a workload belongs to: its label when set, else its own name. */
export function serviceOf(
  name: string,
  labels: Readonly<Record<string, string>> | undefined,
  label: string,
): string {
  const named = labels?.[label]?.trim();
  return named ? named : name;
}

/** The images a workload runs, each once, in a stable order. */
export function imagesOf(workload: Pick<CandidateWorkload, 'containers'>): string[] {
  return [...new Set(workload.containers.map((c) => c.image))].sort();
}

function containerKey(c: ContainerImage): string {
  return `${c.init ? 'init:' : ''}${c.container}`;
}

/** Whether two pod templates run the same images in the same containers (order does not matter). */
export function sameContainers(a: readonly ContainerImage[], b: readonly ContainerImage[]): boolean {
  if (a.length !== b.length) return false;
  const images = new Map(a.map((c) => [containerKey(c), c.image]));
  return b.every((c) => images.get(containerKey(c)) === c.image);
}

export interface ImageChange {
  container: string;
  init: boolean;
  /** null: the container is new. */
  from: string | null;
  /** null: the container is gone. */
  to: string | null;
}

/** What changed between two pod templates, container by container. */
export function containerChanges(
  before: readonly ContainerImage[],
  after: readonly ContainerImage[],
): ImageChange[] {
  const old = new Map(before.map((c) => [containerKey(c), c]));
  const changes: ImageChange[] = [];
  for (const c of after) {
    const previous = old.get(containerKey(c));
    old.delete(containerKey(c));
    if (previous?.image !== c.image)
      changes.push({ container: c.container, init: c.init, from: previous?.image ?? null, to: c.image });
  }
  for (const gone of old.values())
    changes.push({ container: gone.container, init: gone.init, from: gone.image, to: null });
  return changes;
}

/** A workload gone from the cluster, as changes: every container removed. */
export function removalChanges(workload: Pick<CandidateWorkload, 'containers'>): ImageChange[] {
  return workload.containers.map((c) => ({ container: c.container, init: c.init, from: c.image, to: null }));
}

export interface WorkloadDiff {
  service: string;
  namespace: string;
  kind: WorkloadKind;
  name: string;
  changes: ImageChange[];
}

export interface CandidateDiff {
  added: CandidateWorkload[];
  removed: CandidateWorkload[];
  changed: WorkloadDiff[];
}

/** Code-unit order: the same on every machine, whatever its locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byService(a: Pick<CandidateWorkload, 'service' | 'namespace' | 'kind' | 'name'>, b: typeof a) {
  return compareText(a.service, b.service) || compareText(workloadKey(a), workloadKey(b));
}

/** Workloads added, removed, and whose images changed, from one candidate to another. */
export function diffCandidates(
  from: readonly CandidateWorkload[],
  to: readonly CandidateWorkload[],
): CandidateDiff {
  const before = new Map(from.map((w) => [workloadKey(w), w]));
  const after = new Map(to.map((w) => [workloadKey(w), w]));
  const changed: WorkloadDiff[] = [];
  for (const [key, w] of after) {
    const old = before.get(key);
    if (!old) continue;
    const changes = containerChanges(old.containers, w.containers);
    if (changes.length > 0)
      changed.push({ service: w.service, namespace: w.namespace, kind: w.kind, name: w.name, changes });
  }
  return {
    added: [...after.values()].filter((w) => !before.has(workloadKey(w))).sort(byService),
    removed: [...before.values()].filter((w) => !after.has(workloadKey(w))).sort(byService),
    changed: changed.sort(byService),
  };
}

export function countServices(workloads: readonly Pick<CandidateWorkload, 'service'>[]): number {
  return new Set(workloads.map((w) => w.service)).size;
}

export type CandidateChangeClass =
  | { kind: 'unchanged' }
  | { kind: 'admitted'; changes: ImageChange[] }
  | { kind: 'unapproved'; changes: ImageChange[]; unapprovedImages: string[] };

/**
 * How a workload seen in the cluster relates to the stored candidate. The rule is the admission policy's:
 * a pod template may keep images it ran, or take images admitted for the release; anything else is
 * unapproved. A workload new to the candidate counts as all new images.
 */
export function classifyChange(
  stored: Pick<CandidateWorkload, 'containers'> | undefined,
  observed: Pick<CandidateWorkload, 'containers'>,
  admitted: ReadonlySet<string>,
): CandidateChangeClass {
  const before = stored?.containers ?? [];
  if (stored && sameContainers(before, observed.containers)) return { kind: 'unchanged' };
  const changes = containerChanges(before, observed.containers);
  const kept = new Set(before.map((c) => c.image));
  const unapprovedImages = [
    ...new Set(observed.containers.map((c) => c.image).filter((i) => !kept.has(i) && !admitted.has(i))),
  ].sort();
  return unapprovedImages.length > 0
    ? { kind: 'unapproved', changes, unapprovedImages }
    : { kind: 'admitted', changes };
}

/** One line per change: `api: reg/blog:1.0 → reg/blog:2.0` (init containers marked). */
export function describeChange(change: ImageChange): string {
  const name = `${change.init ? 'init ' : ''}${change.container}`;
  if (change.from === null) return `${name}: new, ${change.to ?? ''}`;
  if (change.to === null) return `${name}: removed (was ${change.from})`;
  return `${name}: ${change.from} → ${change.to}`;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string;
  fieldsV1?: unknown;
}

function touchesPodTemplate(fields: unknown): boolean {
  const spec = (fields as Record<string, unknown> | undefined)?.['f:spec'];
  return typeof spec === 'object' && spec !== null && 'f:template' in spec;
}

/**
 * Who last changed a workload's pod template, from `managedFields`: the newest entry that owns fields under
 * `spec.template` (`kubectl`, `helm`, `argocd-controller`…). Undefined when none says so.
 */
export function lastTemplateManager(entries: readonly ManagedFieldsEntry[] | undefined): string | undefined {
  const touching = (entries ?? []).filter((e) => e.manager && touchesPodTemplate(e.fieldsV1));
  touching.sort((a, b) => Date.parse(b.time ?? '') - Date.parse(a.time ?? '') || 0);
  return touching[0]?.manager;
}

/** Whether a namespace matches one of the configured names or globs (`team-*`, `pre?rod`). */
export function matchesNamespaceGlob(namespace: string, patterns: readonly string[]): boolean {
  return patterns.some((glob) => {
    const pattern = glob
      .split('')
      .map((ch) =>
        ch === '*' ? '[a-z0-9-]*' : ch === '?' ? '[a-z0-9-]' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
      )
      .join('');
    return new RegExp(`^${pattern}$`).test(namespace);
  });
}
