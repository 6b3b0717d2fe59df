/** How long a post to a response_url may take: it is a follow-up, nobody waits on it. */
const RESPONSE_URL_TIMEOUT_MS = 5_000;

/** Posts a message to a Slack response_url (valid for 30 minutes, 5 posts), with a timeout. */
export async function postToResponseUrl(url: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`response_url answered ${res.status}`);
}
