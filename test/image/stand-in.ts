/** A Slack Web API stand-in for the image check: prints its base URL, runs until killed. */
import { SlackStandIn } from '../support/slack-stand-in.js';

const slack = await new SlackStandIn().start();
process.stdout.write(`${slack.apiUrl}\n`);
process.on('SIGTERM', () => void slack.stop().then(() => process.exit(0)));
