import type { types } from '@slack/bolt';
import type { Devenv } from '../../domain/devenv/model.js';
import type { ReleaseView } from '../../use-cases/release-view.js';
import { devenvListReply } from './devenv.js';
import { context, header } from './kit.js';
import { openReleasesReply } from './release.js';

/** The App Home tab: open releases and the viewer's environments. */
export function homeView(releases: ReleaseView[], liveDevenvs: number, mine: Devenv[]): types.HomeView {
  return {
    type: 'home',
    blocks: [
      header('Releases'),
      ...openReleasesReply(releases, liveDevenvs).blocks,
      header('Your developer environments'),
      ...devenvListReply(mine, false).blocks,
      context('`/release help` and `/devenv help` list every command.'),
    ].slice(0, 100),
  };
}
