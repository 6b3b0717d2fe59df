import type { App, BlockButtonAction, RespondFn } from '@slack/bolt';
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { Services } from '../../services.js';
import { getReleaseById } from '../../db/releases.js';
import { recordVote, REJECT_REASON_MAX, signoffRolesOf, withdrawVote } from '../../use-cases/signoff.js';
import { shipRelease } from '../../use-cases/release-lifecycle.js';
import { textReply } from '../blocks/kit.js';
import { rejectModal } from '../blocks/signoff.js';
import { ActionIds, BlockIds, CallbackIds, InputActionIds } from '../ids.js';
import { failureReply, respondEphemeral } from '../reply.js';

/** `releaseId:revision` as the sign-off buttons carry it. */
const signoffButtonValue = z
  .string()
  .regex(/^\d+(:\d+)?$/)
  .transform((v) => Number(v.split(':')[0]));

function releaseIdOf(action: BlockButtonAction['actions'][number]): number {
  const parsed = signoffButtonValue.safeParse(action.value);
  if (!parsed.success) throw new AppError('invalid_input', 'That button is not one of ours any more.');
  return parsed.data;
}

const rejectMetadata = z.object({ releaseId: z.number().int().positive() });

export function registerSignoffActions(app: App, services: Services): void {
  const logger = services.logger.child({ component: 'signoff-actions' });
  const context = (body: BlockButtonAction) => ({ user: body.user.id, action: body.actions[0]?.action_id });
  const reply = (body: BlockButtonAction, respond: RespondFn, work: () => Promise<string | undefined>) =>
    respondEphemeral(respond, logger, context(body), async () => {
      const text = await work();
      return text ? textReply(text) : undefined;
    });

  app.action<BlockButtonAction>(ActionIds.approve, async ({ ack, body, action, respond }) => {
    await ack();
    await reply(body, respond, async () => {
      const outcome = await recordVote(
        services,
        { userId: body.user.id },
        { releaseId: releaseIdOf(action), decision: 'approve' },
      );
      return outcome.changed ? undefined : `You have already approved ${outcome.release.version}.`;
    });
  });

  app.action<BlockButtonAction>(ActionIds.withdraw, async ({ ack, body, action, respond }) => {
    await ack();
    await reply(body, respond, async () => {
      await withdrawVote(services, { userId: body.user.id }, { releaseId: releaseIdOf(action) });
      return undefined;
    });
  });

  app.action<BlockButtonAction>(ActionIds.reject, async ({ ack, body, action, respond, client }) => {
    await ack();
    await reply(body, respond, async () => {
      const releaseId = releaseIdOf(action);
      await signoffRolesOf(services, body.user.id, releaseId);
      const release = getReleaseById(services.db, releaseId);
      if (!release) throw new AppError('not_found', 'That release no longer exists.');
      await client.views.open({
        trigger_id: body.trigger_id,
        view: rejectModal(release.version, { releaseId }),
      });
      return undefined;
    });
  });

  app.action<BlockButtonAction>(ActionIds.ship, async ({ ack, body, action, respond }) => {
    await ack();
    await reply(body, respond, async () => {
      const release = getReleaseById(services.db, releaseIdOf(action));
      if (!release) throw new AppError('not_found', 'That release no longer exists.');
      await shipRelease(
        services,
        { userId: body.user.id, commandText: 'Ship button' },
        { version: release.version },
      );
      return undefined;
    });
  });

  app.view(CallbackIds.rejectModal, async ({ ack, body, view, client }) => {
    const reason =
      view.state.values[BlockIds.rejectReason]?.[InputActionIds.rejectReason]?.value?.trim() ?? '';
    if (!reason || reason.length > REJECT_REASON_MAX) {
      await ack({
        response_action: 'errors',
        errors: { [BlockIds.rejectReason]: `Give a reason of 1 to ${REJECT_REASON_MAX} characters.` },
      });
      return;
    }
    await ack();
    const metadata = rejectMetadata.safeParse(safeJson(view.private_metadata));
    try {
      if (!metadata.success) throw new AppError('invalid_input', 'That form is not one of ours any more.');
      await recordVote(
        services,
        { userId: body.user.id },
        { releaseId: metadata.data.releaseId, decision: 'reject', reason },
      );
    } catch (error) {
      const failure = failureReply(error, logger, { user: body.user.id, view: CallbackIds.rejectModal });
      await client.chat
        .postEphemeral({
          channel: services.config.slack.releaseChannel,
          user: body.user.id,
          text: failure.text,
          blocks: failure.blocks,
        })
        .catch((err: unknown) => logger.error({ err }, 'could not deliver reply'));
    }
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
