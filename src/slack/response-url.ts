/** How long a post to a response_url may take: it is a follow-up, nobody waits on it. */
const RESPONSE_URL_TIMEOUT_MS = 5_000;

/** Posts a message to a Slack response_url (valid for 30 minutes, 5 posts). */
export type PostToResponseUrl = (url: string, body: Record<string, unknown>) => Promise<void>;

/** Posts to response_urls over `send` (the bot's Slack transport), each within its own timeout. */
export function responseUrlPoster(send: typeof fetch): PostToResponseUrl {
  return async (url, body) => {
    const res = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`response_url answered ${res.status}`);
  };
}
