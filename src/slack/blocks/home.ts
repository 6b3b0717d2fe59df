import type { types } from '@slack/bolt';
import { describeState, isFrozen } from '../../domain/release.js';
import type { HomeModel, HomeRelease } from '../../use-cases/home.js';
import { ActionIds } from '../ids.js';
import { calendarLines, lateChangesSection } from './calendar.js';
import {
  actions,
  context,
  divider,
  escapeText,
  header,
  section,
  slackDate,
  type Block,
  type ButtonSpec,
} from './kit.js';
import { tallyBlocks } from './release.js';

/** Slack refuses a view of more than 100 blocks. */
export const VIEW_BLOCK_LIMIT = 100;
const RELEASES_SHOWN = 8;
const ENVS_SHOWN = 6;
const CALENDAR_SHOWN = 10;

function releaseButtons(item: HomeRelease): ButtonSpec[] {
  const { release } = item.view;
  const buttons: ButtonSpec[] = [];
  if (item.mayVote) {
    const value = `${release.id}:${release.revision}`;
    buttons.push(
      { text: 'Approve', actionId: ActionIds.approve, value, style: 'primary' },
      { text: 'Reject', actionId: ActionIds.reject, value, style: 'danger' },
    );
  }
  if (item.mayManage) {
    if (release.state === 'planned')
      buttons.push({
        text: 'Freeze',
        actionId: ActionIds.homeFreeze,
        value: String(release.id),
        confirm: {
          title: `Freeze ${release.version}?`,
          text: 'Only bug fixes that belong to it may change services in pre-prod afterwards.',
          confirm: 'Freeze',
        },
      });
    if (release.state === 'frozen')
      buttons.push({ text: 'Remind', actionId: ActionIds.remind, value: String(release.id) });
    if (release.state === 'signed_off')
      buttons.push({
        text: 'Ship',
        actionId: ActionIds.ship,
        value: String(release.id),
        style: 'primary',
        confirm: {
          title: `Ship ${release.version}?`,
          text: 'This marks the release released and lifts the freeze.',
          confirm: 'Ship it',
        },
      });
  }
  return buttons;
}

function releaseBlocks(item: HomeRelease): Block[] {
  const { release, tally } = item.view;
  const dates = [
    release.freezeAt && release.state === 'planned' ? `freezes ${slackDate(release.freezeAt)}` : undefined,
    release.shipAt ? `ships ${slackDate(release.shipAt)}` : undefined,
  ].filter(Boolean);
  const title = `${item.awaitsReader ? ':ballot_box_with_ballot: ' : ''}*${escapeText(release.version)}* · ${describeState(release.state)}${isFrozen(release.state) ? ` · revision ${release.revision}` : ''}${dates.length ? ` · ${dates.join(', ')}` : ''}${item.awaitsReader ? ' · _waits for your vote_' : ''}`;
  const blocks: Block[] = tally ? tallyBlocks(tally, title) : [section(title)];
  if (item.lateChanges.length > 0) blocks.push(lateChangesSection(item.lateChanges, release.version, 3));
  const buttons = releaseButtons(item);
  if (buttons.length > 0) blocks.push(actions(`home-release:${release.id}`, buttons));
  return blocks;
}

/** The App Home tab for one reader: what they can act on first, then their environments and the calendar. */
export function homeView(model: HomeModel): types.HomeView {
  const blocks: Block[] = [header('Releases')];
  if (model.releases.length === 0)
    blocks.push(section('No open releases. `/release create <version>` plans one.'));
  for (const item of model.releases.slice(0, RELEASES_SHOWN)) blocks.push(...releaseBlocks(item), divider());
  if (model.releases.length > RELEASES_SHOWN) {
    blocks.push(context(`and ${model.releases.length - RELEASES_SHOWN} more: \`/release status\``));
  }
  blocks.push(header('Your developer environments'));
  if (model.mine.length === 0) blocks.push(section('None. `/devenv blog-service` creates one.'));
  for (const env of model.mine.slice(0, ENVS_SHOWN)) {
    blocks.push(
      section(
        `*${env.name}*: ${env.overrides.map((o) => o.service).join(', ')} · until ${slackDate(env.expiresAt)}`,
      ),
      actions(`home-devenv:${env.name}`, [
        { text: 'Extend 4h', actionId: ActionIds.devenvExtend, value: env.name },
        {
          text: 'Delete',
          actionId: ActionIds.devenvDelete,
          value: env.name,
          style: 'danger',
          confirm: { title: `Delete ${env.name}?`, text: 'Its routes are removed.', confirm: 'Delete' },
        },
      ]),
    );
  }
  if (model.mine.length > ENVS_SHOWN) {
    blocks.push(context(`and ${model.mine.length - ENVS_SHOWN} more: \`/devenv list\``));
  }
  blocks.push(header('Calendar'));
  blocks.push(
    section(
      model.calendar.length > 0
        ? calendarLines(model.calendar, CALENDAR_SHOWN).join('\n')
        : 'Nothing scheduled. `/release schedule <version> freeze=…` sets dates.',
    ),
  );
  blocks.push(
    context(
      `Live developer environments: ${model.liveDevenvs} · \`/release help\` and \`/devenv help\` list every command.`,
    ),
  );
  return { type: 'home', blocks: blocks.slice(0, VIEW_BLOCK_LIMIT) };
}

/** Blocks kept when Slack refuses the whole Home tab: the releases at the top, which come first. */
const REDUCED_HOME_BLOCKS = 30;

/** The Home tab cut to its first blocks, with where everything is; the last resort after a refusal. */
export function reducedHomeView(view: types.HomeView): types.HomeView {
  const kept = view.blocks.slice(0, REDUCED_HOME_BLOCKS);
  // Buttons without their release line above would be ambiguous: never end on an actions block.
  while (kept.length > 0 && kept.at(-1)!.type === 'actions') kept.pop();
  return {
    type: 'home',
    blocks: [
      ...kept,
      context(
        'Slack refused the whole tab as too large, so this is its first part: `/release status`, `/release calendar` and `/devenv list` show everything.',
      ),
    ],
  };
}
