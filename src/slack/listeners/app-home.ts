import type { App } from '@slack/bolt';
import type { Services } from '../../services.js';

export function registerAppHome(app: App, services: Services): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    const hash = (event as { view?: { hash?: string } }).view?.hash;
    await services.homes.opened(event.user, hash);
  });
}
