import { createHmac } from 'node:crypto';
import type { SlackEmulator, StoredMessage, StoredView } from './slack-emulator.js';
import { APP_ID, RELEASES_CHANNEL, TEAM_ID, userById } from './workspace.js';

type Json = Record<string, unknown>;

/** What the bot answered on the HTTP request itself (its ack). */
export interface AckAnswer {
  status: number;
  body: Json | undefined;
}

/** Slack's request signing (v0): the bot verifies it like any request from Slack. */
export function signSlackRequest(secret: string, body: string, nowSeconds: number): Record<string, string> {
  const timestamp = String(nowSeconds);
  const signature = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': `v0=${signature}` };
}

/** What every interaction payload carries about who and where. */
function envelope(type: string, userId: string): Json {
  return {
    type,
    team: { id: TEAM_ID, domain: 'playground' },
    user: payloadUser(userId),
    api_app_id: APP_ID,
    token: 'playground-verification-token',
    is_enterprise_install: false,
    enterprise: null,
  };
}

function payloadUser(userId: string): Json {
  const name = userById(userId)?.name ?? userId.toLowerCase();
  return { id: userId, username: name, name, team_id: TEAM_ID };
}

/**
 * What a person does on the page, sent to the bot's /slack/events exactly as Slack sends it: form-encoded
 * slash commands and interactions, JSON events, each signed with the session's signing secret.
 */
export class SlackPlatform {
  constructor(
    private readonly emulator: SlackEmulator,
    private readonly signingSecret: string,
    private readonly eventsUrl: () => string,
    private readonly timeoutMs = 10_000,
  ) {}

  async slashCommand(input: {
    user: string;
    channel: string;
    command: string;
    text: string;
  }): Promise<AckAnswer> {
    const responseUrl = this.emulator.newResponseUrl({ user: input.user, channel: input.channel });
    const body = new URLSearchParams({
      token: 'playground-verification-token',
      team_id: TEAM_ID,
      team_domain: 'playground',
      channel_id: input.channel,
      channel_name: input.channel === RELEASES_CHANNEL.id ? RELEASES_CHANNEL.name : 'directmessage',
      user_id: input.user,
      user_name: userById(input.user)?.name ?? input.user,
      command: input.command,
      text: input.text,
      api_app_id: APP_ID,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: this.emulator.newTrigger(input.user),
    }).toString();
    const answer = await this.send(body, 'application/x-www-form-urlencoded');
    if (answer.body && (typeof answer.body.text === 'string' || Array.isArray(answer.body.blocks))) {
      this.emulator.acceptResponse({ user: input.user, channel: input.channel }, answer.body);
    }
    return answer;
  }

  /** A button pressed in a message (or an ephemeral): with a response_url that can replace it. */
  async messageAction(input: {
    user: string;
    message: StoredMessage;
    action: ActionPressed;
  }): Promise<AckAnswer> {
    const { message } = input;
    const responseUrl = this.emulator.newResponseUrl({
      user: input.user,
      channel: message.channel,
      sourceTs: message.ts,
    });
    return this.interaction({
      ...envelope('block_actions', input.user),
      container: {
        type: 'message',
        message_ts: message.ts,
        channel_id: message.channel,
        is_ephemeral: message.ephemeralFor !== undefined,
        ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      },
      trigger_id: this.emulator.newTrigger(input.user),
      channel: {
        id: message.channel,
        name: message.channel === RELEASES_CHANNEL.id ? RELEASES_CHANNEL.name : 'directmessage',
      },
      message: {
        type: 'message',
        ts: message.ts,
        text: message.text,
        blocks: message.blocks ?? [],
        user: message.author,
      },
      state: { values: {} },
      response_url: responseUrl,
      actions: [buttonAction(input.action)],
    });
  }

  /** A button pressed in a view (the Home tab or a modal): no response_url, as in Slack. */
  async viewAction(input: { user: string; view: StoredView; action: ActionPressed }): Promise<AckAnswer> {
    return this.interaction({
      ...envelope('block_actions', input.user),
      container: { type: 'view', view_id: input.view.id },
      trigger_id: this.emulator.newTrigger(input.user),
      team: { id: TEAM_ID, domain: 'playground' },
      enterprise: null,
      is_enterprise_install: false,
      view: {
        id: input.view.id,
        team_id: TEAM_ID,
        hash: input.view.hash,
        state: { values: {} },
        ...input.view.view,
      },
      actions: [buttonAction(input.action)],
    });
  }

  async viewSubmission(input: {
    user: string;
    view: StoredView;
    values: Record<string, Record<string, string>>;
  }): Promise<AckAnswer> {
    const state: Record<string, Record<string, Json>> = {};
    for (const [blockId, fields] of Object.entries(input.values)) {
      state[blockId] = Object.fromEntries(
        Object.entries(fields).map(([actionId, value]) => [
          actionId,
          { type: 'plain_text_input', value: value === '' ? null : value },
        ]),
      );
    }
    return this.interaction({
      ...envelope('view_submission', input.user),
      trigger_id: this.emulator.newTrigger(input.user),
      view: {
        id: input.view.id,
        team_id: TEAM_ID,
        type: 'modal',
        hash: input.view.hash,
        private_metadata: '',
        callback_id: '',
        ...input.view.view,
        state: { values: state },
      },
      response_urls: [],
    });
  }

  async viewClosed(input: { user: string; view: StoredView }): Promise<AckAnswer> {
    return this.interaction({
      ...envelope('view_closed', input.user),
      view: { id: input.view.id, team_id: TEAM_ID, hash: input.view.hash, ...input.view.view },
      is_cleared: false,
    });
  }

  async appHomeOpened(user: string): Promise<AckAnswer> {
    const home = this.emulator.home(user);
    const now = Date.now() / 1000;
    const body = JSON.stringify({
      token: 'playground-verification-token',
      team_id: TEAM_ID,
      api_app_id: APP_ID,
      type: 'event_callback',
      event_id: `Ev${Math.floor(now * 1000)}${Math.floor(Math.random() * 1000)}`,
      event_time: Math.floor(now),
      event: {
        type: 'app_home_opened',
        user,
        channel: `D${user}`,
        tab: 'home',
        event_ts: now.toFixed(6),
        ...(home ? { view: { id: home.id, type: 'home', hash: home.hash } } : {}),
      },
    });
    return this.send(body, 'application/json');
  }

  private interaction(payload: Json): Promise<AckAnswer> {
    return this.send(
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      'application/x-www-form-urlencoded',
    );
  }

  private async send(body: string, contentType: string): Promise<AckAnswer> {
    const res = await fetch(this.eventsUrl(), {
      method: 'POST',
      body,
      headers: {
        'content-type': contentType,
        ...signSlackRequest(this.signingSecret, body, Math.floor(Date.now() / 1000)),
      },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    let parsed: Json | undefined;
    try {
      const value: unknown = text ? JSON.parse(text) : undefined;
      parsed = typeof value === 'object' && value !== null ? (value as Json) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed };
  }
}

export interface ActionPressed {
  actionId: string;
  blockId: string;
  value: string;
  text: string;
}

function buttonAction(action: ActionPressed): Json {
  return {
    type: 'button',
    action_id: action.actionId,
    block_id: action.blockId,
    text: { type: 'plain_text', text: action.text, emoji: true },
    value: action.value,
    action_ts: (Date.now() / 1000).toFixed(6),
  };
}
