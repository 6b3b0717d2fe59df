// One cohesive thing, kept whole: the release candidate read from the cluster, and its watch.
import { setMaxListeners } from 'node:events';
import * as k8s from '../vendor/kubernetes.js';
import { z } from '../vendor/zod.js';
import {
  lastTemplateManager,
  matchesNamespaceGlob,
  serviceOf,
  WORKLOAD_KINDS,
  type CandidateWorkload,
  type WorkloadKind,
} from '../domain/candidate.js';
import type { Logger } from '../logger.js';
import type { CandidateSource, ObservedWorkload } from '../use-cases/ports.js';
import type { KubeCluster, ResourceType } from './cluster.js';

const PLURALS: Record<WorkloadKind, ResourceType> = {
  Deployment: { group: 'apps', version: 'v1', plural: 'deployments' },
  StatefulSet: { group: 'apps', version: 'v1', plural: 'statefulsets' },
  DaemonSet: { group: 'apps', version: 'v1', plural: 'daemonsets' },
};

const containerSchema = z.looseObject({ name: z.string(), image: z.string().default('') });

/** Only what the candidate needs; everything else in a workload is ignored. */
const workloadSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string(),
    labels: z.record(z.string(), z.string()).optional(),
    generation: z.number().int().default(0),
    resourceVersion: z.string().optional(),
    managedFields: z
      .array(
        z.looseObject({
          manager: z.string().optional(),
          operation: z.string().optional(),
          time: z.string().optional(),
          fieldsV1: z.unknown().optional(),
        }),
      )
      .optional(),
  }),
  spec: z.looseObject({
    template: z.looseObject({
      spec: z.looseObject({
        containers: z.array(containerSchema).default([]),
        initContainers: z.array(containerSchema).default([]),
      }),
    }),
  }),
});

/** A workload as the API returned it, as the candidate records it. */
export function toObservedWorkload(kind: WorkloadKind, raw: unknown, serviceLabel: string): ObservedWorkload {
  const w = workloadSchema.parse(raw);
  const { containers, initContainers } = w.spec.template.spec;
  return {
    namespace: w.metadata.namespace,
    kind,
    name: w.metadata.name,
    service: serviceOf(w.metadata.name, w.metadata.labels, serviceLabel),
    containers: [
      ...initContainers.map((c) => ({ container: c.name, image: c.image, init: true })),
      ...containers.map((c) => ({ container: c.name, image: c.image, init: false })),
    ],
    generation: w.metadata.generation,
    manager: lastTemplateManager(w.metadata.managedFields),
  };
}

export interface FreezeScope {
  /** FREEZE_NAMESPACES: names or globs. */
  namespaces: readonly string[];
  /** FREEZE_SERVICE_LABEL. */
  serviceLabel: string;
}

/** Resolves the freeze namespaces; listing namespaces (a cluster-scoped read) only when a glob asks for it. */
export async function freezeNamespaces(cluster: KubeCluster, patterns: readonly string[]): Promise<string[]> {
  if (!patterns.some((p) => /[*?]/.test(p))) return [...patterns];
  const all = await cluster.listNamespaces();
  return all.filter((ns) => matchesNamespaceGlob(ns, patterns)).sort();
}

interface ListedStream {
  namespace: string;
  kind: WorkloadKind;
  resourceVersion: string;
}

/** The release candidate as pre-prod runs it: every workload of the freeze namespaces. */
export class ClusterWorkloads implements CandidateSource {
  constructor(
    readonly cluster: KubeCluster,
    readonly scope: FreezeScope,
  ) {}

  async readWorkloads(): Promise<ObservedWorkload[]> {
    return (await this.listAll()).workloads;
  }

  /** One list per namespace and kind, in parallel, with the resourceVersion each can be watched from. */
  async listAll(): Promise<{ workloads: ObservedWorkload[]; streams: ListedStream[] }> {
    const namespaces = await freezeNamespaces(this.cluster, this.scope.namespaces);
    const lists = await Promise.all(
      namespaces.flatMap((namespace) =>
        WORKLOAD_KINDS.map(async (kind) => {
          const list = await this.cluster.listRaw(PLURALS[kind], namespace);
          return {
            stream: { namespace, kind, resourceVersion: list.resourceVersion },
            workloads: list.items.map((item) => toObservedWorkload(kind, item, this.scope.serviceLabel)),
          };
        }),
      ),
    );
    return { workloads: lists.flatMap((l) => l.workloads), streams: lists.map((l) => l.stream) };
  }
}

export interface WatchHandlers {
  /** A full list: the first after a start, after `410 Gone`, or after the watch was off. */
  listed(workloads: ObservedWorkload[]): Promise<void>;
  changed(workload: ObservedWorkload): Promise<void>;
  removed(workload: Pick<CandidateWorkload, 'namespace' | 'kind' | 'name'>): Promise<void>;
}

export interface WatchSettings {
  /** Whether the watch should run now: this instance holds the Lease and a release is frozen. */
  shouldRun: () => Promise<boolean>;
  /** How often `shouldRun` is asked. */
  pollMs: number;
  backoff: { initialMs: number; maxMs: number };
  /** The API server ends each watch after this long; it is resumed from the last resourceVersion. */
  watchTimeoutSeconds: number;
}

class Gone extends Error {}

/**
 * Watches the freeze namespaces' workloads while a release is frozen, on the instance that leads: a full
 * list, then one watch per namespace and kind, each resumed from its last resourceVersion (bookmarks keep
 * it fresh). `410 Gone` lists everything again; any other failure reconnects with capped backoff. Duplicate
 * events are harmless: the use case compares with the stored candidate.
 */
export class CandidateWatch {
  private timer: NodeJS.Timeout | undefined;
  private session: AbortController | undefined;
  private stopped = false;
  private handling: Promise<void> = Promise.resolve();
  /** Counts for metrics and tests. */
  readonly stats = { lists: 0, watches: 0, events: 0, gone: 0 };
  /** The open watch requests, each ended by its own controller. */
  private readonly open = new Set<AbortController>();
  private resumeOverride: string | undefined;

  constructor(
    private readonly workloads: ClusterWorkloads,
    private readonly handlers: WatchHandlers,
    private readonly settings: WatchSettings,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      // A question the database cannot answer now keeps things as they are until the next tick.
      const wanted = await this.settings.shouldRun().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'cannot tell whether the candidate watch should run');
        return this.session !== undefined;
      });
      if (this.stopped) return;
      if (wanted && !this.session) void this.runSession();
      if (!wanted && this.session) this.endSession();
      this.timer = setTimeout(() => void tick(), this.settings.pollMs).unref();
    };
    void tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.endSession();
  }

  get running(): boolean {
    return this.session !== undefined;
  }

  /**
   * Ends every open watch and resumes each from `resourceVersion`: what a watch does after a reconnect,
   * with a cursor the server may since have forgotten (on-call uses it to force a relist; tests to prove
   * that `410 Gone` relists without reporting twice).
   */
  resumeFrom(resourceVersion: string): void {
    this.resumeOverride = resourceVersion;
    for (const controller of this.open) controller.abort();
  }

  /**
   * Handles a list or an event after the ones before it: each writes the candidate in its own unit of
   * work, and a later event must not commit before an earlier one. Never rejects: a failure is logged.
   */
  private inOrder(handle: () => Promise<void>, what: string): Promise<void> {
    const turn = this.handling.then(handle).catch((error: unknown) => {
      this.logger.error({ err: error, type: what }, 'could not handle a workload event');
    });
    this.handling = turn;
    return turn;
  }

  private endSession(): void {
    this.session?.abort();
    this.session = undefined;
  }

  /** List, then watch every stream until one says Gone (relist) or the session ends. */
  private async runSession(): Promise<void> {
    const session = new AbortController();
    this.session = session;
    let delay = this.settings.backoff.initialMs;
    while (!session.signal.aborted) {
      try {
        const { workloads, streams } = await this.workloads.listAll();
        this.stats.lists++;
        this.resumeOverride = undefined;
        if (session.signal.aborted) return;
        await this.inOrder(() => this.handlers.listed(workloads), 'list');
        delay = this.settings.backoff.initialMs;
        const relist = new AbortController();
        const both = AbortSignal.any([session.signal, relist.signal]);
        // One listener per stream (and its reconnects) by design, not a leak.
        setMaxListeners(streams.length * 2 + 10, both);
        await Promise.all(
          streams.map((s) =>
            this.watchStream(s, both).catch((error: unknown) => {
              if (error instanceof Gone) {
                this.stats.gone++;
                this.logger.info(
                  { namespace: s.namespace, kind: s.kind },
                  'watch expired (410 Gone): listing again',
                );
              } else if (!both.aborted) {
                this.logger.warn({ err: error }, 'workload watch failed: listing again');
              }
              relist.abort();
            }),
          ),
        );
      } catch (error) {
        if (session.signal.aborted) return;
        this.logger.warn({ err: error, retryInMs: delay }, 'could not list the freeze namespaces; retrying');
        await sleep(delay, session.signal);
        delay = Math.min(delay * 2, this.settings.backoff.maxMs);
      }
    }
  }

  /** Watches one namespace and kind from `resourceVersion`, resuming after each server-side close. */
  private async watchStream(stream: ListedStream, signal: AbortSignal): Promise<void> {
    let resourceVersion = stream.resourceVersion;
    let delay = this.settings.backoff.initialMs;
    const { group, version, plural } = PLURALS[stream.kind];
    const path = `/apis/${group}/${version}/namespaces/${stream.namespace}/${plural}`;
    while (!signal.aborted) {
      if (this.resumeOverride) resourceVersion = this.resumeOverride;
      let cut = false;
      const ended = await new Promise<Error | null>((resolve) => {
        let controller: AbortController | undefined;
        const onAbort = () => controller?.abort();
        signal.addEventListener('abort', onAbort, { once: true });
        this.stats.watches++;
        void new k8s.Watch(this.workloads.cluster.kubeConfig)
          .watch(
            path,
            {
              resourceVersion,
              allowWatchBookmarks: true,
              timeoutSeconds: this.settings.watchTimeoutSeconds,
            },
            (type: string, object: unknown) => {
              const meta = (object as { metadata?: { resourceVersion?: string } }).metadata;
              if (type === 'ERROR') {
                const code = (object as { code?: number }).code;
                resolve(code === 410 ? new Gone('410 Gone') : new Error(`watch error ${code ?? ''}`));
                controller?.abort();
                return;
              }
              if (meta?.resourceVersion) resourceVersion = meta.resourceVersion;
              if (type === 'BOOKMARK') return;
              this.stats.events++;
              void this.inOrder(() => {
                const workload = toObservedWorkload(stream.kind, object, this.workloads.scope.serviceLabel);
                return type === 'DELETED' ? this.handlers.removed(workload) : this.handlers.changed(workload);
              }, type);
            },
            (error: unknown) => {
              signal.removeEventListener('abort', onAbort);
              resolve(error ? (error as Error) : null);
            },
          )
          .then((c) => {
            controller = c;
            const self = new AbortController();
            self.signal.addEventListener('abort', () => {
              cut = true;
              c.abort();
              resolve(null);
            });
            this.open.add(self);
            c.signal.addEventListener('abort', () => this.open.delete(self));
            if (signal.aborted) c.abort();
          })
          .catch((error: unknown) => resolve(error as Error));
      });
      if (signal.aborted) return;
      if (ended instanceof Gone || (ended as { statusCode?: number } | null)?.statusCode === 410)
        throw new Gone('410 Gone');
      if (ended === null || cut) {
        delay = this.settings.backoff.initialMs;
        continue;
      }
      if (ended.name === 'AbortError') return;
      this.logger.warn({ err: ended, retryInMs: delay }, 'workload watch ended; reconnecting');
      await sleep(delay, signal);
      delay = Math.min(delay * 2, this.settings.backoff.maxMs);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
