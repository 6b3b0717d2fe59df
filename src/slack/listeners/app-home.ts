import type { App } from '@slack/bolt';
import type { Services } from '../../services.js';
import { listDevenvs } from '../../use-cases/show-devenvs.js';
import { openReleasesOverview } from '../../use-cases/release-view.js';
import { homeView } from '../blocks/home.js';

export function registerAppHome(app: App, services: Services): void {
  const logger = services.logger.child({ component: 'app-home' });
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    try {
      const { views, liveDevenvs } = openReleasesOverview(services.db);
      const view = homeView(views, liveDevenvs, listDevenvs(services.devenv, event.user));
      await client.views.publish({ user_id: event.user, view });
    } catch (error) {
      logger.error({ err: error, user: event.user }, 'could not publish App Home');
    }
  });
}
