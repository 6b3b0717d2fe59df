import type { DeliveryFailure } from '../outbox/relay.js';

/** The token was refused: a rotated or revoked token, which every call would meet alike. */
const AUTH_ERRORS = new Set([
  'invalid_auth',
  'token_revoked',
  'token_expired',
  'not_authed',
  'account_inactive',
]);

/** Platform errors that say "try again later" rather than "this will never work". */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

interface SlackErrorShape {
  code?: unknown;
  retryAfter?: unknown;
  statusCode?: unknown;
  data?: { error?: unknown };
  message?: unknown;
}

/** The Slack error code (`not_in_channel`) of a Web API platform error, if it is one. */
export function slackPlatformError(error: unknown): string | undefined {
  const shape = (error ?? {}) as SlackErrorShape;
  return shape.code === 'slack_webapi_platform_error' && typeof shape.data?.error === 'string'
    ? shape.data.error
    : undefined;
}

/** Slack's answers to a message or view it will not take for its size or shape. */
const SIZE_REFUSALS = new Set(['invalid_blocks', 'msg_too_long', 'msg_blocks_too_long', 'view_too_large']);

/** The Slack error code when Slack refused a message or view for its size or shape. */
export function refusedForSize(error: unknown): string | undefined {
  const code = slackPlatformError(error);
  return code && SIZE_REFUSALS.has(code) ? code : undefined;
}

/** What a failed Web API call means for a retry, from @slack/web-api's error codes. */
export function classifySlackError(error: unknown): DeliveryFailure {
  const shape = (error ?? {}) as SlackErrorShape;
  switch (shape.code) {
    case 'slack_webapi_rate_limited_error': {
      const seconds = typeof shape.retryAfter === 'number' ? shape.retryAfter : 30;
      return { kind: 'rate_limited', reason: 'slack:ratelimited', retryAfterMs: seconds * 1000 };
    }
    case 'slack_webapi_platform_error': {
      const code = slackPlatformError(error) ?? 'unknown';
      if (code === 'ratelimited')
        return { kind: 'rate_limited', reason: 'slack:ratelimited', retryAfterMs: 30_000 };
      if (AUTH_ERRORS.has(code)) return { kind: 'auth', reason: `slack:${code}` };
      return TRANSIENT_PLATFORM_ERRORS.has(code)
        ? { kind: 'transient', reason: `slack:${code}` }
        : { kind: 'permanent', reason: `slack:${code}` };
    }
    case 'slack_webapi_request_error':
      return { kind: 'transient', reason: 'slack:unreachable' };
    case 'slack_webapi_http_error': {
      const status = typeof shape.statusCode === 'number' ? shape.statusCode : 0;
      return status >= 500 || status === 0
        ? { kind: 'transient', reason: `slack:http_${status}` }
        : { kind: 'permanent', reason: `slack:http_${status}` };
    }
    default:
      return {
        kind: 'transient',
        reason: `unexpected: ${typeof shape.message === 'string' ? shape.message.slice(0, 200) : String(error)}`,
      };
  }
}

/** What to do about a refused announcement, in words for the manager. */
export function channelRemedy(code: string | undefined, channel: string): string | undefined {
  switch (code) {
    case 'not_in_channel':
      return `release-bot is not in <#${channel}>: invite it there with \`/invite @release-bot\``;
    case 'channel_not_found':
      return `release-bot cannot see channel ${channel}: check RELEASE_CHANNEL (a channel ID such as C0123ABCD) and invite the bot`;
    case 'is_archived':
      return `<#${channel}> is archived: unarchive it or point RELEASE_CHANNEL at another channel`;
    default:
      return undefined;
  }
}
