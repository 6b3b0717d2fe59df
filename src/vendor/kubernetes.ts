/** The parts of @kubernetes/client-node the bot uses (loaded only when a cluster is configured). */
export {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
