import type { BlockButtonAction } from '@slack/bolt';
import { z } from '../../vendor/zod.js';
import { AppError, isAppError } from '../../domain/errors.js';
import type { Services } from '../../services.js';
import type { SlackRoutes } from '../routes.js';
import { checkVotable, recordVote, REJECT_REASON_MAX, withdrawVote } from '../../use-cases/signoff.js';
import { freezeRelease, shipReleaseById } from '../../use-cases/release-lifecycle.js';
import { remindNow } from '../../use-cases/release-calendar.js';
import { releaseById } from '../../use-cases/release-view.js';
import { mention } from '../blocks/kit.js';
import { rejectModal } from '../blocks/signoff.js';
import { ActionIds, BlockIds, CallbackIds, InputActionIds } from '../ids.js';
import { commitThenAck, ephemeral, failureReply, replyPath } from '../reply.js';

/** `releaseId:revision` as the sign-off buttons carry it: a vote counts only for the revision it was given on. */
const signoffButtonValue = z
  .string()
  .regex(/^\d{1,12}:\d{1,9}$/)
  .transform((v) => {
    const [releaseId, revision] = v.split(':').map(Number);
    return { releaseId: releaseId!, revision: revision! };
  });

function voteTarget(action: BlockButtonAction['actions'][number]): { releaseId: number; revision: number } {
  const parsed = signoffButtonValue.safeParse(action.value);
  if (!parsed.success) throw new AppError('invalid_input', 'That button is not one of ours any more.');
  return parsed.data;
}

const shipButtonValue = z.coerce.number().int().positive();

/** The release a Home button names by id, as a version for the use cases. */
async function releaseOfButton(services: Services, value: string | undefined): Promise<{ version: string }> {
  const id = shipButtonValue.safeParse(value);
  const release = id.success ? await releaseById(services.store, id.data) : undefined;
  if (!release) throw new AppError('invalid_input', 'That button is not one of ours any more.');
  return { version: release.version };
}
const rejectMetadata = z.object({
  releaseId: z.number().int().positive(),
  revision: z.number().int().positive(),
});

export function registerSignoffActions(routes: SlackRoutes, services: Services): void {
  const { buttons, views } = routes;
  const logger = services.logger.child({ component: 'signoff-actions' });
  const context = (body: BlockButtonAction) => ({ user: body.user.id, action: body.actions[0]?.action_id });

  buttons.on(ActionIds.approve, ({ ack, body, action, respond, client }) =>
    commitThenAck(ack, replyPath(respond, client, body.user.id), logger, context(body), async () => {
      const outcome = await recordVote(
        services,
        { userId: body.user.id },
        { ...voteTarget(action), decision: 'approve' },
      );
      return outcome.changed ? undefined : `You have already approved ${outcome.release.version}.`;
    }),
  );

  buttons.on(ActionIds.withdraw, ({ ack, body, action, respond, client }) =>
    commitThenAck(ack, replyPath(respond, client, body.user.id), logger, context(body), async () => {
      await withdrawVote(services, { userId: body.user.id }, voteTarget(action));
      return undefined;
    }),
  );

  // A trigger_id expires 3 s after the press: open the form first (no Slack look-ups before it) and check
  // membership when it is submitted.
  buttons.on(ActionIds.reject, async ({ ack, body, action, respond, client }) => {
    await ack();
    try {
      const target = voteTarget(action);
      const release = await checkVotable(services, target.releaseId, target.revision);
      await client.views.open({ trigger_id: body.trigger_id, view: rejectModal(release.version, target) });
    } catch (error) {
      await replyPath(
        respond,
        client,
        body.user.id,
      )(ephemeral(failureReply(error, logger, context(body)))).catch((err: unknown) =>
        logger.error({ err }, 'could not deliver reply'),
      );
    }
  });

  buttons.on(ActionIds.ship, ({ ack, body, action, respond, client }) =>
    commitThenAck(ack, replyPath(respond, client, body.user.id), logger, context(body), async () => {
      const releaseId = shipButtonValue.safeParse(action.value);
      if (!releaseId.success) throw new AppError('invalid_input', 'That button is not one of ours any more.');
      await shipReleaseById(services, { userId: body.user.id, commandText: 'Ship button' }, releaseId.data);
      return undefined;
    }),
  );

  // App Home: a manager freezes a planned release, or reminds the sign-off roles of a frozen one.
  buttons.on(ActionIds.homeFreeze, ({ ack, body, action, respond, client }) =>
    commitThenAck(ack, replyPath(respond, client, body.user.id), logger, context(body), async () => {
      const release = await releaseOfButton(services, action.value);
      await freezeRelease(services, { userId: body.user.id, commandText: 'Freeze button' }, release);
      return undefined;
    }),
  );

  buttons.on(ActionIds.remind, ({ ack, body, action, respond, client }) =>
    commitThenAck(ack, replyPath(respond, client, body.user.id), logger, context(body), async () => {
      const release = await releaseOfButton(services, action.value);
      const { reminded } = await remindNow(
        services,
        { userId: body.user.id, commandText: 'Remind button' },
        release,
      );
      return reminded.length > 0
        ? `:bell: Reminding ${reminded.map(mention).join(', ')} by DM to sign off *${release.version}*.`
        : `Nobody to remind for *${release.version}*.`;
    }),
  );

  views.on(CallbackIds.rejectModal, async ({ ack, body, view }) => {
    const field = BlockIds.rejectReason;
    const reason = view.state.values[field]?.[InputActionIds.rejectReason]?.value?.trim() ?? '';
    if (!reason || reason.length > REJECT_REASON_MAX) {
      await ack({
        response_action: 'errors',
        errors: { [field]: `Give a reason of 1 to ${REJECT_REASON_MAX} characters.` },
      });
      return;
    }
    const metadata = rejectMetadata.safeParse(safeJson(view.private_metadata));
    try {
      if (!metadata.success) throw new AppError('invalid_input', 'That form is not one of ours any more.');
      await recordVote(services, { userId: body.user.id }, { ...metadata.data, decision: 'reject', reason });
      await ack();
    } catch (error) {
      // Refusals show in the form itself (plain text), where the person is looking.
      const failure = failureReply(error, logger, { user: body.user.id, view: CallbackIds.rejectModal });
      const text = isAppError(error) ? error.message : failure.text;
      await ack({ response_action: 'errors', errors: { [field]: plainText(text).slice(0, 300) } });
    }
  });
}

/** Slack shows modal errors as plain text: strip mrkdwn links and code marks. */
function plainText(markdown: string): string {
  return markdown.replace(/<([^|>]+)\|([^>]+)>/g, '$2 ($1)').replace(/`/g, '');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
