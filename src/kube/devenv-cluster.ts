import { serviceEntryName } from '../domain/devenv/names.js';
import type { Override } from '../domain/devenv/model.js';
import { ISTIO_NETWORKING } from '../domain/devenv/render-istio.js';
import type { DevenvCluster, DevenvSettings, TargetStatus } from '../use-cases/devenvs.js';
import type { KubeCluster } from './cluster.js';
import type { RouteApplier } from './route-applier.js';

/** /devenv's view of the cluster: the catalogue of pre-prod services, target health, and the mesh applier. */
export function createDevenvCluster(
  cluster: KubeCluster,
  settings: DevenvSettings,
  applier: RouteApplier,
): DevenvCluster {
  return {
    applier,
    async catalogue() {
      const services = await cluster.listServices(settings.preprodNamespace, settings.serviceSelector);
      return services.map((s) => s.name).sort();
    },
    async targetStatus(env: string, override: Override): Promise<TargetStatus> {
      const target = override.target;
      if (target.kind === 'external') {
        try {
          await cluster.get(
            ISTIO_NETWORKING,
            'ServiceEntry',
            settings.preprodNamespace,
            serviceEntryName(env, override.service),
          );
          return { exists: true, readyEndpoints: undefined };
        } catch (error) {
          if ((error as { reason?: string }).reason === 'not_found')
            return { exists: false, readyEndpoints: undefined };
          throw error;
        }
      }
      const exists = await cluster.serviceExists(target.namespace, target.service);
      return {
        exists,
        readyEndpoints: exists ? await cluster.readyEndpoints(target.namespace, target.service) : 0,
      };
    },
  };
}
