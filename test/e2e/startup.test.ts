import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshClone } from '../support/fresh-clone.js';
import { SlackStandIn } from '../support/slack-stand-in.js';

function runMain(
  env: Record<string, string>,
  untilReady = false,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      cwd: process.cwd(),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (untilReady && stdout.includes('release-bot is ready')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm start', () => {
  it('stops before listening with one readable line per configuration problem', async () => {
    const { code, stdout, stderr } = await runMain({
      SLACK_BOT_TOKEN: 'not-a-token',
      RELEASE_CHANNEL: 'general',
      PORT: 'eighty',
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      'release-bot cannot start, fix the configuration (see .env.example):',
      'SLACK_BOT_TOKEN: must be a bot token starting with xoxb-',
      'PORT: must be a port number',
      'RELEASE_CHANNEL: must be a channel ID such as C0123ABCD',
      // Checked with the others, not only once they all parse: every problem at once.
      '`SLACK_SIGNING_SECRET` is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
    ]);
  });

  it('refuses to start when KUBECONFIG is set but unreadable, instead of quietly running dry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'release-bot-kubeconfig-'));
    try {
      const { code, stderr } = await runMain({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 's',
        RELEASE_CHANNEL: 'C0RELEASE',
        DATABASE_PATH: join(dir, 'bot.sqlite'),
        KUBECONFIG: join(dir, 'missing-kubeconfig'),
      });
      expect(code).toBe(1);
      expect(stderr).toContain('release-bot cannot start, fix the configuration');
      expect(stderr).toContain(`KUBECONFIG: ${join(dir, 'missing-kubeconfig')} cannot be read`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('migrates a new database, becomes ready, never logs a secret, and stops on SIGTERM', async () => {
    const slack = await new SlackStandIn().start();
    const dir = mkdtempSync(join(tmpdir(), 'release-bot-start-'));
    try {
      const { code, stdout, stderr } = await runMain(
        {
          SLACK_BOT_TOKEN: 'xoxb-secret-bot-token',
          SLACK_SIGNING_SECRET: 'secret-signing-value',
          SLACK_API_URL: slack.apiUrl,
          RELEASE_CHANNEL: 'C0RELEASE',
          DATABASE_PATH: join(dir, 'nested', 'bot.sqlite'),
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'debug',
        },
        true,
      );
      expect(stderr).toBe('');
      expect(stdout).toContain('release-bot is ready');
      // Not a terminal: every line is JSON, for a log collector.
      const lines = stdout.trim().split('\n');
      expect(lines.filter((line) => !line.startsWith('{"level":'))).toEqual([]);
      expect(stdout).not.toContain('xoxb-secret-bot-token');
      expect(stdout).not.toContain('secret-signing-value');
      expect(code).toBe(0);
    } finally {
      await slack.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the playground as the default', () => {
  it('`npm start` on a fresh clone without .env serves the page on loopback and says how to connect Slack', async () => {
    const dir = freshClone();
    const started = Date.now();
    const child = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0' },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no page URL within 90 s:\n${stdout}`)), 90_000);
        child.stdout.on('data', () => {
          const match = /release-bot playground: open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      const page = await fetch(url);
      console.log(`fresh clone to a working page (build included): ${Date.now() - started} ms`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('release-bot playground');
      expect(stdout).toContain('To connect a real workspace, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET');
      // The first start says what it does and how long it took; the playground's logs are human lines.
      expect(stdout).toMatch(/^building \(first start only\)…\nbuilt in \d+\.\d s\n/);
      expect(stdout).toMatch(/^\d{2}:\d{2}:\d{2} INFO {2}release-bot is ready port=\d+ mode=http /m);
      expect(stdout).not.toContain('"msg":');
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('is refused in production: missing Slack settings stay a start-up error, and RELEASE_BOT_PLAYGROUND is refused', async () => {
    const missing = await runMain({ NODE_ENV: 'production', DATABASE_PATH: ':memory:' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('release-bot cannot start, fix the configuration');
    // Every missing setting at once, each named plainly; and why there is no playground.
    expect(missing.stderr).toContain(
      '`SLACK_BOT_TOKEN` is required\n`RELEASE_CHANNEL` is required\n`SLACK_SIGNING_SECRET` is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)\n',
    );
    expect(missing.stderr).toContain('No playground: NODE_ENV=production asks for a real Slack workspace.');
    expect(missing.stdout).not.toContain('playground');

    const asked = await runMain({
      NODE_ENV: 'production',
      RELEASE_BOT_PLAYGROUND: '1',
      DATABASE_PATH: ':memory:',
    });
    expect(asked.code).toBe(1);
    expect(asked.stderr).toContain(
      'RELEASE_BOT_PLAYGROUND: the playground is for trying release-bot, never for production',
    );
  });
});
