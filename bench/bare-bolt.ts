import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver } from '@slack/bolt';

/** The floor for the ack benchmark: a Bolt app on the same receiver that only acks. */
const receiver = new HTTPReceiver({
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? '',
  endpoints: '/slack/events',
});
const app = new App({
  token: 'xoxb-bench',
  receiver,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
});
app.command('/release', async ({ ack }) => {
  await ack();
});
app.action(/.*/, async ({ ack }) => {
  await ack();
});
const server = await receiver.start({ port: 0, host: '127.0.0.1' });
console.log(JSON.stringify({ msg: 'ready', port: (server.address() as AddressInfo).port }));
process.once('SIGTERM', () => void receiver.stop().then(() => process.exit(0)));
