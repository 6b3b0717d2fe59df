/** Posts a message to a Slack response_url (valid for 30 minutes, 5 posts). */
export type PostToResponseUrl = (url: string, body: Record<string, unknown>) => Promise<void>;

/** Posts to response_urls over `send`: the bot's Slack transport, whose deadline every post gets. */
export function responseUrlPoster(send: typeof fetch): PostToResponseUrl {
  return async (url, body) => {
    const res = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`response_url answered ${res.status}`);
  };
}
