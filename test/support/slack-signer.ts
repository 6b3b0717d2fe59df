import { createHmac } from 'node:crypto';

/** Signs a raw body exactly as Slack does: v0=hex(HMAC-SHA256(secret, `v0:{ts}:{body}`)). */
export function slackSignatureHeaders(
  signingSecret: string,
  rawBody: string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const signature = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex');
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': `v0=${signature}`,
  };
}
