/** Request bodies in the exact shapes Slack sends them. */

export const TEAM_ID = 'T0001';
export const RELEASE_CHANNEL = 'C0RELEASE';

export function slashCommandBody(input: {
  command: string;
  text: string;
  userId: string;
  responseUrl: string;
  channelId?: string;
}): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: TEAM_ID,
    team_domain: 'acme',
    channel_id: input.channelId ?? RELEASE_CHANNEL,
    channel_name: 'releases',
    user_id: input.userId,
    user_name: input.userId.toLowerCase(),
    command: input.command,
    text: input.text,
    api_app_id: 'A0RELEASEBOT',
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: newTriggerId(),
  }).toString();
}

let triggers = 0;
/** A trigger_id as Slack issues them: a new one for every interaction, so a test can tell them apart. */
export function newTriggerId(): string {
  return `${Date.now()}.${++triggers}.${Math.random().toString(16).slice(2, 10)}`;
}

function payloadUser(userId: string): Record<string, string> {
  return { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: TEAM_ID };
}

export function blockActionsPayload(input: {
  actionId: string;
  value: string;
  userId: string;
  responseUrl: string;
  blockId?: string;
  messageTs?: string;
  channelId?: string;
  triggerId?: string;
}): Record<string, unknown> {
  const channel = input.channelId ?? RELEASE_CHANNEL;
  const actionTs = `${(Date.now() / 1000).toFixed(6)}`;
  return {
    type: 'block_actions',
    user: payloadUser(input.userId),
    api_app_id: 'A0RELEASEBOT',
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: input.messageTs ?? '1700000001.000100',
      channel_id: channel,
      is_ephemeral: false,
    },
    trigger_id: input.triggerId ?? newTriggerId(),
    team: { id: TEAM_ID, domain: 'acme' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channel, name: 'releases' },
    message: { type: 'message', ts: input.messageTs ?? '1700000001.000100', text: 'release', bot_id: 'BBOT' },
    state: { values: {} },
    response_url: input.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: input.actionId,
        block_id: input.blockId ?? 'block',
        text: { type: 'plain_text', text: 'button', emoji: true },
        value: input.value,
        action_ts: actionTs,
      },
    ],
  };
}

export function viewSubmissionPayload(input: {
  callbackId: string;
  userId: string;
  privateMetadata: string;
  values: Record<string, Record<string, { type: string; value: string | null }>>;
}): Record<string, unknown> {
  return {
    type: 'view_submission',
    team: { id: TEAM_ID, domain: 'acme' },
    user: payloadUser(input.userId),
    api_app_id: 'A0RELEASEBOT',
    token: 'legacy-verification-token',
    trigger_id: newTriggerId(),
    view: {
      id: 'V0001',
      team_id: TEAM_ID,
      type: 'modal',
      callback_id: input.callbackId,
      private_metadata: input.privateMetadata,
      state: { values: input.values },
      hash: '1700000000.abc',
      title: { type: 'plain_text', text: 'Reject release' },
      blocks: [],
      app_id: 'A0RELEASEBOT',
      bot_id: 'BBOT',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export function interactiveBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** `app_home_opened` as the Events API sends it; `hash` is the view Slack holds for the user. */
export function appHomeOpenedBody(userId: string, hash?: string): string {
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: TEAM_ID,
    api_app_id: 'A0RELEASEBOT',
    type: 'event_callback',
    event_id: `Ev${Date.now()}${Math.floor(Math.random() * 1e6)}`,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: 'app_home_opened',
      user: userId,
      channel: `D${userId}`,
      tab: 'home',
      event_ts: `${(Date.now() / 1000).toFixed(6)}`,
      ...(hash ? { view: { id: `V${userId}`, type: 'home', hash } } : {}),
    },
  });
}

/** A button pressed in the App Home tab: its container is the view, and there is no response_url. */
export function homeBlockActionsPayload(input: {
  actionId: string;
  value: string;
  userId: string;
}): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: payloadUser(input.userId),
    api_app_id: 'A0RELEASEBOT',
    token: 'legacy-verification-token',
    container: { type: 'view', view_id: `V${input.userId}` },
    trigger_id: newTriggerId(),
    team: { id: TEAM_ID, domain: 'acme' },
    enterprise: null,
    is_enterprise_install: false,
    view: { id: `V${input.userId}`, type: 'home', blocks: [], hash: 'h', state: { values: {} } },
    actions: [
      {
        type: 'button',
        action_id: input.actionId,
        block_id: 'home',
        text: { type: 'plain_text', text: 'button', emoji: true },
        value: input.value,
        action_ts: `${(Date.now() / 1000).toFixed(6)}`,
      },
    ],
  };
}
