import { benchSlackAck } from './slack-ack.js';

/** `npm run bench [section…]`: every section by default. */
const sections: Record<string, () => Promise<void>> = {
  ack: benchSlackAck,
};

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(sections)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await run();
}
process.exit(0);
