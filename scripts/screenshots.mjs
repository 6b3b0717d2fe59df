// `npm run screenshots`: refreshes docs/screenshots/ from the browser test's screenshots, so the README shows
// the product as the tests last saw it. Run the browser test first:
//   npx vitest run test/e2e/playground-browser.test.ts
/* global process, console */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const FROM = 'test-artifacts/playground';
const TO = 'docs/screenshots';
// The browser test's step name → the picture the README shows.
const PICTURES = {
  'qa-approved': 'announcement.png',
  'pipeline-refused': 'pipeline.png',
  home: 'home.png',
  'jira-panel': 'jira-panel.png',
  'tour-done': 'tour.png',
};

const shots = existsSync(FROM) ? readdirSync(FROM) : [];
const missing = [];
mkdirSync(TO, { recursive: true });
for (const [step, picture] of Object.entries(PICTURES)) {
  const shot = shots.find((name) => name.endsWith(`-${step}.png`));
  if (!shot) {
    missing.push(step);
    continue;
  }
  copyFileSync(join(FROM, shot), join(TO, picture));
  console.log(`${TO}/${picture} ← ${FROM}/${shot}`);
}
if (missing.length > 0) {
  console.error(
    `no screenshot of ${missing.join(', ')} in ${FROM}: run npx vitest run test/e2e/playground-browser.test.ts first`,
  );
  process.exit(1);
}
