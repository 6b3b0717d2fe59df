import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const manifest = parse(readFileSync('manifest.yml', 'utf8')) as {
  features: { slash_commands: { command: string; usage_hint: string }[]; bot_user: { display_name: string } };
  oauth_config: { scopes: { bot: string[] } };
  settings: { socket_mode_enabled: boolean; interactivity: { is_enabled: boolean } };
};

describe('manifest.yml', () => {
  it('is a valid Slack app manifest by SchemaStore’s schema', () => {
    const schema = JSON.parse(readFileSync('test/fixtures/slack-app-manifest.schema.json', 'utf8')) as object;
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('declares the commands, interactivity and the scopes the bot uses', () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(['/release', '/devenv']);
    expect(
      manifest.features.slash_commands.every((c) => c.usage_hint.length > 0 && c.command.length <= 32),
    ).toBe(true);
    expect(manifest.features.bot_user.display_name).not.toMatch(/\s/);
    expect(manifest.oauth_config.scopes.bot.sort()).toEqual([
      'channels:history',
      'chat:write',
      'commands',
      'files:write',
      'groups:history',
      'im:history',
      'im:write',
      'usergroups:read',
    ]);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });
});
