import { ConfigError } from '../config.js';

/**
 * Which Slack the bot talks to: a real workspace when Slack settings are given; otherwise (outside
 * production) the playground, a Slack stand-in beside the bot. `RELEASE_BOT_PLAYGROUND=1` asks for it next
 * to other settings. Production never falls back to it: missing Slack settings stay a start-up error.
 */
export function slackMode(env: NodeJS.ProcessEnv): 'slack' | 'playground' {
  const asked = env.RELEASE_BOT_PLAYGROUND === '1' || env.RELEASE_BOT_PLAYGROUND === 'true';
  const production = env.NODE_ENV === 'production';
  if (asked && production) {
    throw new ConfigError([
      'RELEASE_BOT_PLAYGROUND: the playground is for trying release-bot, never for production (unset it, or NODE_ENV)',
    ]);
  }
  if (asked) return 'playground';
  return !env.SLACK_BOT_TOKEN && !env.SLACK_APP_TOKEN && !production ? 'playground' : 'slack';
}
