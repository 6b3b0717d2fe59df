// One cohesive thing, kept whole: /release's sub-commands, each parse → use case → reply.
import type { SlackRoutes } from '../routes.js';
import { requireJira } from '../../jira/errors.js';
import { loadScopeView, notDoneWarning } from '../../use-cases/release-scope.js';
import { scopeBlocks, scopeListReply } from '../blocks/scope.js';
import { exceptionsListReply } from '../blocks/exceptions.js';
import { exceptionsOf, requestException } from '../../use-cases/freeze-exceptions.js';
import type { Services } from '../../services.js';
import type { Actor } from '../../use-cases/ports.js';
import {
  cancelRelease,
  createRelease,
  announceAgain,
  freezeRelease,
  retryTrackerSync,
  scheduleRelease,
  shipRelease,
  unfreezeRelease,
} from '../../use-cases/release-lifecycle.js';
import { requireRelease } from '../../use-cases/release-lookup.js';
import {
  recentReleases,
  auditPage,
  loadReleaseView,
  openReleasesOverview,
  releaseNamed,
} from '../../use-cases/release-view.js';
import { removeSignoffRole, setSignoffRole, signoffRoles } from '../../use-cases/roles.js';
import { mention, slackDate, textReply, type Reply } from '../blocks/kit.js';
import { calendarReply, lateChangesSection } from '../blocks/calendar.js';
import { notesReply } from '../blocks/notes.js';
import { candidateDiffReply, candidateReply } from '../blocks/candidate.js';
import { loadCandidate, loadCandidateDiff } from '../../use-cases/candidate.js';
import { allowImage } from '../../use-cases/freeze-enforcement.js';
import { outboxOverview, retryFailedNotices } from '../../use-cases/outbox-admin.js';
import { outboxReply } from '../blocks/outbox.js';
import { remindNow, upcomingCalendar } from '../../use-cases/release-calendar.js';
import { lateChangesOf, releaseNotes } from '../../use-cases/release-notes.js';
import {
  AUDIT_PAGE_SIZE,
  auditLogReply,
  openReleasesReply,
  releaseHelp,
  RELEASE_LIST_SHOWN,
  releaseListReply,
  releaseStatusReply,
} from '../blocks/release.js';
import { roleListReply } from '../blocks/roles.js';
import { parseReleaseCommand, type ReleaseCommand } from '../release-command.js';
import { ephemeral, failureReply, respondEphemeral } from '../reply.js';

export function registerReleaseCommand({ commands }: SlackRoutes, services: Services): void {
  const logger = services.logger.child({ component: 'release-command' });
  commands.on('/release', async ({ command, ack, respond }) => {
    const actor: Actor = { userId: command.user_id, commandText: `/release ${command.text}`.trim() };
    const context = { user: command.user_id, text: command.text };
    let parsed: ReleaseCommand;
    try {
      parsed = parseReleaseCommand(command.text);
    } catch (error) {
      await ack(ephemeral(failureReply(error, logger, context)));
      return;
    }
    actor.replyTo = command.response_url;
    if (answersOnAck(parsed, services)) {
      // Our own database only: a read, or a change committed before the ack (well under a millisecond).
      // Whatever Slack must hear of it is in the outbox by now, so no acked change can lose its message.
      const reply = await runReleaseCommand(services, actor, parsed).catch((error: unknown) =>
        failureReply(error, logger, context),
      );
      await ack(ephemeral(reply));
      if (parsed.name === 'freeze') {
        await respondEphemeral(respond, logger, context, () =>
          scopeWarningAfterFreeze(services, parsed.version),
        );
      }
      return;
    }
    await ack();
    await respondEphemeral(respond, logger, context, () => runReleaseCommand(services, actor, parsed));
  });
}

/**
 * Commands that touch only release-bot's own database (no Jira or cluster call): reads, and changes whose
 * Slack messages go through the outbox. Their reply rides on the ack.
 */
const DATABASE_ONLY = new Set<ReleaseCommand['name']>([
  'help',
  'list',
  'log',
  'role-list',
  'exceptions',
  'freeze',
  'unfreeze',
  'cancel',
  'ship',
  'role-set',
  'role-remove',
  'exception',
  'announce',
  'schedule',
  'calendar',
  'candidate',
  'diff',
  // Sends nothing itself: the DMs are queued in the outbox in the transaction that records the round.
  'remind',
  'outbox',
]);

/** Changes that also talk to the cluster when the freeze is kept there (FREEZE_NAMESPACES). */
const CLUSTER_TOO = new Set<ReleaseCommand['name']>(['freeze', 'unfreeze', 'cancel', 'ship']);

function answersOnAck(command: ReleaseCommand, services: Services): boolean {
  if (command.name === 'create') return !command.createJiraVersions;
  // The candidate is read (and the admission parameter written) before the answer: seconds, not the
  // ack's milliseconds. Acked first, answered when done.
  if (CLUSTER_TOO.has(command.name) && (services.candidate || services.enforcement)) return false;
  if (command.name === 'status') return services.jira === undefined;
  return DATABASE_ONLY.has(command.name);
}

export async function runReleaseCommand(
  services: Services,
  actor: Actor,
  command: ReleaseCommand,
): Promise<Reply> {
  switch (command.name) {
    case 'help': {
      const help = releaseHelp();
      if (!command.unknown) return help;
      return {
        ...help,
        blocks: [textReply(`Unknown subcommand \`${command.unknown}\`.`).blocks[0]!, ...help.blocks],
      };
    }
    case 'create':
      return createWithJira(services, actor, command);
    case 'freeze': {
      const release = await freezeRelease(services, actor, command);
      return textReply(
        `:snowflake: *${release.version}* is frozen (revision ${release.revision}). The announcement is on its way to <#${services.config.slack.releaseChannel}>; if Slack refuses it, you will hear why here.`,
      );
    }
    case 'announce': {
      const release = await announceAgain(services, actor, command);
      return textReply(
        `:loudspeaker: Posting the announcement of *${release.version}* again in <#${services.config.slack.releaseChannel}>; the old one will point to it.`,
      );
    }
    case 'unfreeze': {
      const release = await unfreezeRelease(services, actor, command);
      return textReply(`:sunny: *${release.version}* is planned again; the freeze is lifted.`);
    }
    case 'cancel': {
      const release = await cancelRelease(services, actor, command);
      return textReply(`:no_entry_sign: *${release.version}* is cancelled.`);
    }
    case 'ship': {
      const release = await shipRelease(services, actor, command);
      return textReply(
        `:rocket: *${release.version}* is released and the freeze is lifted.` +
          (release.jiraSync === 'pending'
            ? ' Marking the Jira versions released now; the outcome goes to the thread.'
            : ''),
      );
    }
    case 'status':
      if (command.version) {
        const release = await requireRelease(services.store, command.version);
        const scope = scopeBlocks(
          await loadScopeView(services.jira, release.version, services.logger),
          services.clock.now(),
        );
        const late =
          release.frozenAt === null
            ? []
            : [
                lateChangesSection(
                  await lateChangesOf(services.store, release, services.config.gate.environments),
                  release.version,
                ),
              ];
        return releaseStatusReply(await loadReleaseView(services.store, release), [...scope, ...late]);
      }
      {
        const { views, liveDevenvs } = await openReleasesOverview(services.store);
        return openReleasesReply(views, liveDevenvs);
      }
    case 'list':
      return releaseListReply(await recentReleases(services.store, RELEASE_LIST_SHOWN));
    case 'log': {
      return auditLogReply(
        await auditPage(
          services.store,
          command.version,
          command.oldest
            ? { oldest: true }
            : command.before !== undefined
              ? { before: command.before }
              : { page: command.page },
          AUDIT_PAGE_SIZE,
        ),
      );
    }
    case 'role-set': {
      const role = await setSignoffRole(services, actor, {
        name: command.role,
        members: command.members,
        quorum: command.quorum,
      });
      return textReply(
        `Sign-off role *${role.name}* now needs ${role.quorum} approval(s) from its ${role.members.length} member entries. It applies to releases frozen from now on.`,
      );
    }
    case 'role-remove':
      await removeSignoffRole(services, actor, command.role);
      return textReply(
        `Sign-off role *${command.role}* is removed. Releases already frozen keep the roles they were frozen with.`,
      );
    case 'role-list':
      return roleListReply(await signoffRoles(services));
    case 'jira-sync': {
      const problem = await retryTrackerSync(services, actor, command);
      return textReply(
        problem
          ? `:warning: ${problem}`
          : `:white_check_mark: Jira versions of *${command.version}* are marked released.`,
      );
    }
    case 'scope': {
      const release = await requireRelease(services.store, command.version);
      const view = await loadScopeView(
        requireJira(services.jira),
        release.version,
        services.logger,
        'every ticket',
      );
      return scopeListReply(release.version, view, command.page, services.clock.now());
    }
    case 'outbox': {
      if (!command.retry) return outboxReply(await outboxOverview(services, actor));
      const requeued = await retryFailedNotices(services, actor);
      services.relay.wake();
      return textReply(
        requeued > 0
          ? `:arrows_counterclockwise: ${requeued} failed notice${requeued === 1 ? ' is' : 's are'} queued again; each resumes after the steps it had carried out.`
          : 'No failed notices to retry.',
      );
    }
    case 'candidate':
      return candidateReply(await loadCandidate(services.store, command.ref));
    case 'diff':
      return candidateDiffReply(await loadCandidateDiff(services.store, command.from, command.to));
    case 'allow': {
      const { release, repeated } = await allowImage(services, actor, command);
      return textReply(
        repeated
          ? `\`${command.image}\` was already admitted for *${command.service}* in *${release.version}*.`
          : `:white_check_mark: \`${command.image}\` is admitted for *${command.service}* in *${release.version}*: pre-prod may take it, and it is listed among the late changes.`,
      );
    }
    case 'exception': {
      const exception = await requestException(services, actor, command);
      return textReply(
        `:raised_hand: Exception #${exception.id} requested: release managers decide in <#${services.config.slack.releaseChannel}>, and you will hear the outcome.`,
      );
    }
    case 'exceptions': {
      const { release, exceptions } = await exceptionsOf(services, command.version);
      return exceptionsListReply(release, exceptions);
    }
    case 'schedule': {
      const release = await scheduleRelease(services, actor, command);
      return textReply(
        `:spiral_calendar_pad: *${release.version}* now ${[
          release.freezeAt ? `freezes ${slackDate(release.freezeAt)}` : undefined,
          release.shipAt ? `ships ${slackDate(release.shipAt)}` : undefined,
        ]
          .filter(Boolean)
          .join(' and ')}. The change is told in its thread.`,
      );
    }
    case 'calendar':
      return calendarReply(await upcomingCalendar(services), command.page);
    case 'remind': {
      const { release, reminded } = await remindNow(services, actor, command);
      return textReply(
        reminded.length > 0
          ? `:bell: Reminding ${reminded.map(mention).join(', ')} by DM to sign off *${release.version}*.`
          : `Nobody to remind for *${release.version}*: everyone in a role that is short of approvals has voted.`,
      );
    }
    case 'notes':
      return notesReply(
        await releaseNotes(
          {
            store: services.store,
            jira: services.jira,
            logger: services.logger,
            gatedEnvironments: services.config.gate.environments,
          },
          command,
        ),
        services.config.http.publicUrl,
      );
  }
}

/** After a freeze was acked: the Jira scope's open tickets, if any, as a heads-up. */
async function scopeWarningAfterFreeze(services: Services, version: string): Promise<Reply | undefined> {
  if (!services.jira) return undefined;
  const warning = notDoneWarning(await loadScopeView(services.jira, version, services.logger), version);
  return warning ? textReply(`:warning: ${warning}`) : undefined;
}

async function createWithJira(
  services: Services,
  actor: Actor,
  command: ReleaseCommand & { name: 'create' },
): Promise<Reply> {
  const existing = await releaseNamed(services.store, command.version);
  const release =
    existing && command.createJiraVersions ? existing : await createRelease(services, actor, command);
  const lines = existing
    ? []
    : [
        `:spiral_calendar_pad: Release *${release.version}* is planned. Freeze it with \`/release freeze ${release.version}\`.`,
      ];
  if (command.createJiraVersions) {
    await services.access.requireReleaseManager(actor.userId, 'create Jira versions');
    const created = await requireJira(services.jira).createVersions(release.version);
    lines.push(
      created.length > 0
        ? `:jira: Created Jira version \`${requireJira(services.jira).versionName(release.version)}\` in ${created.join(', ')}.`
        : 'Every configured Jira project already has the version.',
    );
  }
  return textReply(lines.join('\n'));
}
