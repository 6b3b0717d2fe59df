import { z } from '../../vendor/zod.js';
import { AppError } from '../../domain/errors.js';
import type { Services } from '../../services.js';
import type { SlackRoutes } from '../routes.js';
import { decideException } from '../../use-cases/freeze-exceptions.js';
import { ActionIds } from '../ids.js';
import { commitThenAck, replyPath } from '../reply.js';

const exceptionId = z.coerce.number().int().positive();

export function registerExceptionActions({ buttons }: SlackRoutes, services: Services): void {
  const logger = services.logger.child({ component: 'exception-actions' });
  for (const [actionId, decision] of [
    [ActionIds.exceptionApprove, 'approved'],
    [ActionIds.exceptionDeny, 'denied'],
  ] as const) {
    buttons.on(actionId, ({ ack, body, action, respond, client }) =>
      commitThenAck(
        ack,
        replyPath(respond, client, body.user.id),
        logger,
        { user: body.user.id, action: actionId },
        async () => {
          const id = exceptionId.safeParse(action.value);
          if (!id.success) throw new AppError('invalid_input', 'That button is not one of ours any more.');
          await decideException(
            services,
            { userId: body.user.id, commandText: `${decision} button` },
            { id: id.data, decision },
          );
          return undefined;
        },
      ),
    );
  }
}
