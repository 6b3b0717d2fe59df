import type { Services } from '../../services.js';
import type { SlackRoutes } from '../routes.js';

export function registerAppHome(routes: SlackRoutes, services: Services): void {
  routes.events.on('app_home_opened', async ({ event }) => {
    if (event.type !== 'app_home_opened' || event.tab !== 'home') return;
    const hash = (event as { view?: { hash?: string } }).view?.hash;
    await services.homes.opened(event.user, hash);
  });
}
