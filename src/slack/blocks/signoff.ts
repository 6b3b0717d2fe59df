import type { types } from '@slack/bolt';
import { REJECT_REASON_MAX } from '../../use-cases/signoff.js';
import { BlockIds, CallbackIds, InputActionIds } from '../ids.js';
import { escapeText } from './kit.js';

export interface RejectModalMetadata {
  releaseId: number;
  /** The revision the Reject button was on: a vote counts only for the candidate it was given on. */
  revision: number;
}

export function rejectModal(version: string, metadata: RejectModalMetadata): types.View {
  return {
    type: 'modal',
    callback_id: CallbackIds.rejectModal,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: 'Reject release' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `Why should *${escapeText(version)}* (revision ${metadata.revision}) not go to production?`,
        },
      },
      {
        type: 'input',
        block_id: BlockIds.rejectReason,
        label: { type: 'plain_text', text: 'Reason' },
        element: {
          type: 'plain_text_input',
          action_id: InputActionIds.rejectReason,
          multiline: true,
          min_length: 1,
          max_length: REJECT_REASON_MAX,
        },
      },
    ],
  };
}
