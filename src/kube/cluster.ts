// One cohesive thing, kept whole: the Kubernetes client the bot uses, with its deadlines and its error mapping.
import * as k8s from '../vendor/kubernetes.js';
import { z } from '../vendor/zod.js';
import type { KubeObject } from '../domain/devenv/objects.js';
import { FIELD_MANAGER } from '../domain/devenv/objects.js';
import { AppError } from '../domain/errors.js';
import { kubeFailure, withClusterTimeout } from './errors.js';

/** Loose on purpose: a read-modify-write must send back every field it did not mean to change. */
const objectSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string(),
    labels: z.record(z.string(), z.string()).optional(),
    resourceVersion: z.string().optional(),
  }),
  spec: z.record(z.string(), z.unknown()).default({}),
});

export type ObservedObject = z.output<typeof objectSchema>;

const listSchema = z.object({ items: z.array(objectSchema) });

type RequestOptions = ReturnType<typeof k8s.setHeaderOptions>;

/**
 * Request options whose middleware hands the request an AbortSignal (client-node 1.x passes it on to
 * fetch), so a timed-out call is cancelled on the wire. Built on `setHeaderOptions`, which is the
 * library's public way to make middleware; the header itself tells the server our deadline.
 */
function abortable(signal: AbortSignal, timeoutMs: number): RequestOptions {
  const options = k8s.setHeaderOptions('X-Release-Bot-Deadline-Ms', String(timeoutMs));
  const [header] = options.middleware ?? [];
  if (!header) return options;
  return {
    ...options,
    middleware: [
      {
        pre: (request) => {
          request.setSignal(signal);
          return header.pre(request);
        },
        post: (response) => header.post(response),
      },
    ],
  };
}

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
}

const RESOURCES: Record<string, ResourceType> = {
  'coordination.k8s.io/v1/Lease': { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' },
  'networking.istio.io/v1/VirtualService': {
    group: 'networking.istio.io',
    version: 'v1',
    plural: 'virtualservices',
  },
  'networking.istio.io/v1/ServiceEntry': {
    group: 'networking.istio.io',
    version: 'v1',
    plural: 'serviceentries',
  },
  'gateway.networking.k8s.io/v1/HTTPRoute': {
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    plural: 'httproutes',
  },
};

export function resourceOf(apiVersion: string, kind: string): ResourceType {
  const resource = RESOURCES[`${apiVersion}/${kind}`];
  if (!resource) throw new Error(`no resource mapping for ${apiVersion} ${kind}`);
  return resource;
}

/** Where an object lives in the custom-objects API. */
function addressOf(object: {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
}): ResourceType & {
  namespace: string;
  name: string;
} {
  return {
    ...resourceOf(object.apiVersion, object.kind),
    namespace: object.metadata.namespace,
    name: object.metadata.name,
  };
}

export interface ServiceSummary {
  name: string;
  ports: number[];
}

/**
 * The only code that talks to the Kubernetes API. Every call is counted (benchmarks report API calls), has
 * a timeout, and failures come out as AppErrors with a reason.
 */
export class KubeCluster {
  private readonly core: k8s.CoreV1Api;
  private readonly discovery: k8s.DiscoveryV1Api;
  private readonly custom: k8s.CustomObjectsApi;
  readonly calls = { reads: 0, writes: 0 };

  constructor(
    readonly kubeConfig: k8s.KubeConfig,
    private readonly timeoutMs = 10_000,
    /** Wraps every API call (metrics). */
    private readonly timed: <T>(call: () => Promise<T>) => Promise<T> = (call) => call(),
  ) {
    this.core = kubeConfig.makeApiClient(k8s.CoreV1Api);
    this.discovery = kubeConfig.makeApiClient(k8s.DiscoveryV1Api);
    this.custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  }

  private read<T>(what: string, call: (options: RequestOptions) => Promise<T>): Promise<T> {
    return this.call('reads', what, call);
  }

  private write<T>(what: string, call: (options: RequestOptions) => Promise<T>): Promise<T> {
    return this.call('writes', what, call);
  }

  /**
   * Every call is aborted at the timeout, not merely abandoned: a write must not land after the caller
   * gave up on it and rolled back.
   */
  private async call<T>(
    kind: 'reads' | 'writes',
    what: string,
    call: (options: RequestOptions) => Promise<T>,
  ): Promise<T> {
    this.calls[kind]++;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      return await withClusterTimeout(
        this.timed(() => call(abortable(controller.signal, this.timeoutMs))),
        this.timeoutMs,
        what,
      );
    } catch (error) {
      if (controller.signal.aborted) {
        throw new AppError(
          'timeout',
          `The cluster did not answer within ${this.timeoutMs / 1000} s while trying to ${what}.`,
          {
            cause: error,
          },
        );
      }
      throw kubeFailure(error, what);
    } finally {
      clearTimeout(timer);
    }
  }

  async listServices(namespace: string, labelSelector?: string): Promise<ServiceSummary[]> {
    const list = await this.read(`list Services in ${namespace}`, (options) =>
      this.core.listNamespacedService({ namespace, labelSelector }, options),
    );
    return list.items.map((s) => ({
      name: s.metadata?.name ?? '',
      ports: (s.spec?.ports ?? []).map((p) => p.port),
    }));
  }

  /** Names of every namespace (cluster-scoped `list`; only needed when FREEZE_NAMESPACES has globs). */
  async listNamespaces(): Promise<string[]> {
    const list = await this.read('list namespaces', (options) => this.core.listNamespace({}, options));
    return list.items.map((n) => n.metadata?.name ?? '').filter(Boolean);
  }

  /**
   * A raw list of any namespaced resource (apps/v1 workloads included) with the list's resourceVersion, to
   * watch from.
   */
  async listRaw(
    resource: ResourceType,
    namespace: string,
  ): Promise<{ items: unknown[]; resourceVersion: string }> {
    const raw: unknown = await this.read(`list ${resource.plural} in ${namespace}`, (options) =>
      this.custom.listNamespacedCustomObject(
        { group: resource.group, version: resource.version, namespace, plural: resource.plural },
        options,
      ),
    );
    const list = z
      .object({ items: z.array(z.unknown()), metadata: z.object({ resourceVersion: z.string() }) })
      .parse(raw);
    return { items: list.items, resourceVersion: list.metadata.resourceVersion };
  }

  /** Reads a ConfigMap's data and labels; undefined when there is none. */
  async getConfigMap(
    namespace: string,
    name: string,
  ): Promise<{ data: Record<string, string>; labels: Record<string, string> } | undefined> {
    try {
      const cm = await this.read(`read ConfigMap ${namespace}/${name}`, (options) =>
        this.core.readNamespacedConfigMap({ namespace, name }, options),
      );
      return { data: cm.data ?? {}, labels: cm.metadata?.labels ?? {} };
    } catch (error) {
      if ((error as { reason?: string }).reason === 'not_found') return undefined;
      throw error;
    }
  }

  /** Server-side apply of a ConfigMap we own (our field manager). */
  async applyConfigMap(body: {
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    data: Record<string, string>;
  }): Promise<void> {
    const { namespace, name } = body.metadata;
    await this.write(`apply ConfigMap ${namespace}/${name}`, (options) =>
      this.core.patchNamespacedConfigMap(
        {
          namespace,
          name,
          body: { apiVersion: 'v1', kind: 'ConfigMap', ...body },
          fieldManager: FIELD_MANAGER,
          force: true,
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply, options),
      ),
    );
  }

  async deleteConfigMap(namespace: string, name: string): Promise<void> {
    try {
      await this.write(`delete ConfigMap ${namespace}/${name}`, (options) =>
        this.core.deleteNamespacedConfigMap({ namespace, name }, options),
      );
    } catch (error) {
      if ((error as { reason?: string }).reason !== 'not_found') throw error;
    }
  }

  /**
   * A server-side dry run of creating a ConfigMap: admission runs in full, nothing is stored. Rejects with
   * the admission message when a policy refuses it.
   */
  async dryRunCreateConfigMap(body: {
    metadata: { name: string; namespace: string };
    data: Record<string, string>;
  }): Promise<void> {
    const { namespace, name } = body.metadata;
    await this.write(`dry-run create ConfigMap ${namespace}/${name}`, (options) =>
      this.core.createNamespacedConfigMap({ namespace, body, dryRun: 'All' }, options),
    );
  }

  async serviceExists(namespace: string, name: string): Promise<boolean> {
    try {
      await this.read(`read Service ${namespace}/${name}`, (options) =>
        this.core.readNamespacedService({ namespace, name }, options),
      );
      return true;
    } catch (error) {
      if ((error as { reason?: string }).reason === 'not_found') return false;
      throw error;
    }
  }

  /** Ready endpoints of a Service, from its EndpointSlices. */
  async readyEndpoints(namespace: string, service: string): Promise<number> {
    const slices = await this.read(`list EndpointSlices of ${namespace}/${service}`, (options) =>
      this.discovery.listNamespacedEndpointSlice(
        { namespace, labelSelector: `kubernetes.io/service-name=${service}` },
        options,
      ),
    );
    return slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length;
  }

  async list(
    apiVersion: string,
    kind: string,
    namespace: string,
    labelSelector?: string,
  ): Promise<ObservedObject[]> {
    const r = resourceOf(apiVersion, kind);
    try {
      const raw: unknown = await this.read(`list ${kind}s in ${namespace}`, (options) =>
        this.custom.listNamespacedCustomObject(
          { group: r.group, version: r.version, namespace, plural: r.plural, labelSelector },
          options,
        ),
      );
      return listSchema.parse(raw).items;
    } catch (error) {
      if ((error as { reason?: string }).reason === 'not_found') {
        throw new AppError(
          'not_configured',
          `The cluster does not know ${kind} (${apiVersion}): its CRDs are not installed. Install ${r.group.includes('istio') ? 'Istio' : 'the Gateway API CRDs'} or change DEVENV_MESH.`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async get(apiVersion: string, kind: string, namespace: string, name: string): Promise<ObservedObject> {
    const r = resourceOf(apiVersion, kind);
    const raw: unknown = await this.read(`read ${kind} ${namespace}/${name}`, (options) =>
      this.custom.getNamespacedCustomObject(
        { group: r.group, version: r.version, namespace, plural: r.plural, name },
        options,
      ),
    );
    return objectSchema.parse(raw);
  }

  /** Server-side apply with our field manager: we own exactly the fields we send. */
  async apply(object: KubeObject): Promise<void> {
    const { namespace, name } = object.metadata;
    await this.write(`apply ${object.kind} ${namespace}/${name}`, (options) =>
      this.custom.patchNamespacedCustomObject(
        { ...addressOf(object), body: object, fieldManager: FIELD_MANAGER, force: true },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply, options),
      ),
    );
  }

  /** Creates an object; 409 (`conflict`) when one of that name exists. */
  async create(object: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string };
  }): Promise<void> {
    const { namespace, name } = object.metadata;
    await this.write(`create ${object.kind} ${namespace}/${name}`, (options) =>
      this.custom.createNamespacedCustomObject(
        { ...addressOf(object), body: object, fieldManager: FIELD_MANAGER },
        options,
      ),
    );
  }

  /** A full update guarded by `metadata.resourceVersion`: a 409 means someone changed it since we read it. */
  async replace(object: ObservedObject): Promise<void> {
    const { namespace, name } = object.metadata;
    await this.write(`update ${object.kind} ${namespace}/${name}`, (options) =>
      this.custom.replaceNamespacedCustomObject(
        { ...addressOf(object), body: object, fieldManager: FIELD_MANAGER },
        options,
      ),
    );
  }

  async delete(object: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string };
  }): Promise<void> {
    const { namespace, name } = object.metadata;
    try {
      await this.write(`delete ${object.kind} ${namespace}/${name}`, (options) =>
        this.custom.deleteNamespacedCustomObject(addressOf(object), options),
      );
    } catch (error) {
      if ((error as { reason?: string }).reason !== 'not_found') throw error;
    }
  }
}
