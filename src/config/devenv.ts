import { z } from '../vendor/zod.js';
import { parseCidr } from '../domain/devenv/addresses.js';
import { commaList, duration, optionalString, slackPrincipalList, type Parsed } from './fields.js';

/** /devenv: the cluster, the mesh, the limits and what an environment may route to. */
export const devenvFields = {
  KUBECONFIG: optionalString,
  KUBERNETES_SERVICE_HOST: optionalString,
  DEVENV_MODE: z.enum(['auto', 'dry-run']).default('auto'),
  DEVENV_MESH: z.enum(['istio', 'gateway-api']).default('istio'),
  DEVENV_PREPROD_NAMESPACE: z.string().default('preprod'),
  DEVENV_SERVICE_SELECTOR: optionalString,
  DEVENV_NAMESPACE_TEMPLATE: z.string().default('devenv-{env}'),
  DEVENV_ROUTING_HEADER: optionalString.pipe(
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a lowercase HTTP header name')
      .optional(),
  ),
  DEVENV_DOMAIN: optionalString,
  DEVENV_GATEWAY: optionalString.pipe(
    z
      .string()
      .regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, 'must be namespace/name')
      .optional(),
  ),
  DEVENV_ENTRY_SERVICE: optionalString,
  DEVENV_CLUSTER_DOMAIN: z.string().default('cluster.local'),
  DEVENV_TTL_DEFAULT: duration('8h'),
  DEVENV_TTL_MAX: duration('72h'),
  DEVENV_RECONCILE_INTERVAL: duration('5m'),
  DEVENV_READINESS_POLL: duration('15s'),
  KUBE_TIMEOUT: duration('10s'),
  DEVENV_USERS: slackPrincipalList.optional(),
  DEVENV_TARGET_NAMESPACES: commaList
    .default([])
    .pipe(z.array(z.string().regex(/^[a-z0-9*?][a-z0-9*?-]{0,62}$/, 'namespace names or globs like team-*'))),
  DEVENV_EXTERNAL_HOSTS: commaList
    .default([])
    .transform((hosts) => hosts.map((h) => h.toLowerCase()))
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^\.?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/,
            'host names, or .suffix entries like .dev.example.com',
          ),
      ),
    ),
  DEVENV_CLUSTER_CIDRS: commaList
    .default([])
    .pipe(
      z.array(
        z
          .string()
          .refine((c) => parseCidr(c) !== undefined, 'CIDR ranges like 10.96.0.0/12 or fd00:10::/108'),
      ),
    ),
  DEVENV_DNS_SERVERS: commaList
    .default([])
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-f:]+\](:\d{1,5})?|[0-9a-f:]+)$/i,
            'DNS server addresses like 10.96.0.10 or 127.0.0.1:5353',
          ),
      ),
    ),
  DEVENV_MAX_PER_USER: z.coerce.number().int().min(1).default(3),
  DEVENV_MAX_TOTAL: z.coerce.number().int().min(1).default(200),
};

export interface DevenvConfig {
  mode: 'auto' | 'dry-run';
  mesh: 'istio' | 'gateway-api';
  kubeconfigPath: string | undefined;
  /** Running in a pod: the in-cluster service account is used when no kubeconfig is given. */
  inCluster: boolean;
  preprodNamespace: string;
  serviceSelector: string | undefined;
  namespaceTemplate: string;
  routingHeader: string | undefined;
  domain: string | undefined;
  gateway: string | undefined;
  entryService: string | undefined;
  clusterDomain: string;
  ttlDefaultSeconds: number;
  ttlMaxSeconds: number;
  reconcileIntervalSeconds: number;
  readinessPollSeconds: number;
  kubeTimeoutSeconds: number;
  maxPerUser: number;
  maxTotal: number;
  users: { everyone: boolean; ids: string[] };
  targetNamespaces: string[];
  externalHosts: string[];
  /** The cluster's service and pod ranges: an outside host resolving into them is refused. */
  clusterCidrs: string[];
  /** DNS servers outside hosts are resolved with; empty: the system's. */
  dnsServers: string[];
}

export function checkDevenv(env: Parsed<typeof devenvFields>, ctx: z.RefinementCtx): void {
  if (env.DEVENV_MESH === 'gateway-api' && !env.DEVENV_ROUTING_HEADER) {
    ctx.addIssue({
      code: 'custom',
      path: ['DEVENV_ROUTING_HEADER'],
      message:
        'is required with DEVENV_MESH=gateway-api (Gateway API matches headers exactly; baggage regex is not Core)',
    });
  }
  if (!env.DEVENV_NAMESPACE_TEMPLATE.includes('{env}')) {
    ctx.addIssue({
      code: 'custom',
      path: ['DEVENV_NAMESPACE_TEMPLATE'],
      message: 'must contain {env} (every environment has its own namespace)',
    });
  }
  const link = {
    DEVENV_DOMAIN: env.DEVENV_DOMAIN,
    DEVENV_GATEWAY: env.DEVENV_GATEWAY,
    DEVENV_ENTRY_SERVICE: env.DEVENV_ENTRY_SERVICE,
  };
  const linkSet = Object.entries(link).filter(([, v]) => v);
  if (linkSet.length > 0 && linkSet.length < 3) {
    ctx.addIssue({
      code: 'custom',
      path: [Object.entries(link).find(([, v]) => !v)![0]],
      message: `the per-environment link needs DEVENV_DOMAIN, DEVENV_GATEWAY and DEVENV_ENTRY_SERVICE together (${linkSet.map(([k]) => k).join(', ')} set): set all three or none`,
    });
  }
  if (env.DEVENV_TTL_DEFAULT > env.DEVENV_TTL_MAX) {
    ctx.addIssue({
      code: 'custom',
      path: ['DEVENV_TTL_DEFAULT'],
      message: 'must not exceed DEVENV_TTL_MAX',
    });
  }
}

export function devenvConfig(e: Parsed<typeof devenvFields>): DevenvConfig {
  return {
    mode: e.DEVENV_MODE,
    mesh: e.DEVENV_MESH,
    kubeconfigPath: e.KUBECONFIG,
    inCluster: Boolean(e.KUBERNETES_SERVICE_HOST),
    preprodNamespace: e.DEVENV_PREPROD_NAMESPACE,
    serviceSelector: e.DEVENV_SERVICE_SELECTOR,
    namespaceTemplate: e.DEVENV_NAMESPACE_TEMPLATE,
    routingHeader: e.DEVENV_ROUTING_HEADER,
    domain: e.DEVENV_DOMAIN,
    gateway: e.DEVENV_GATEWAY,
    entryService: e.DEVENV_ENTRY_SERVICE,
    clusterDomain: e.DEVENV_CLUSTER_DOMAIN,
    ttlDefaultSeconds: e.DEVENV_TTL_DEFAULT,
    ttlMaxSeconds: e.DEVENV_TTL_MAX,
    reconcileIntervalSeconds: e.DEVENV_RECONCILE_INTERVAL,
    readinessPollSeconds: e.DEVENV_READINESS_POLL,
    kubeTimeoutSeconds: e.KUBE_TIMEOUT,
    maxPerUser: e.DEVENV_MAX_PER_USER,
    maxTotal: e.DEVENV_MAX_TOTAL,
    users: e.DEVENV_USERS ?? { everyone: true, ids: [] },
    targetNamespaces: e.DEVENV_TARGET_NAMESPACES,
    externalHosts: e.DEVENV_EXTERNAL_HOSTS,
    clusterCidrs: e.DEVENV_CLUSTER_CIDRS,
    dnsServers: e.DEVENV_DNS_SERVERS,
  };
}
