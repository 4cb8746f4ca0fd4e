// manifest.yml is what a Slack admin installs; the code must listen for exactly what it
// declares: the shortcuts with their callback ids and types, the Home tab and its event.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SHORTCUTS } from '../../src/listeners/shortcuts/catalog.js';
import { SlashCommand } from '../../src/ui/ids.js';
import { DEFAULT_UNFURL_DOMAINS } from '../../src/parse/deal-link.js';

const manifest = readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8');

/** The `features.shortcuts` entries, read line by line (the manifest is plain YAML). */
function manifestShortcuts(): Array<Record<string, string>> {
  const section = /\n {2}shortcuts:\n((?: {4}.*\n)+)/.exec(manifest)?.[1] ?? '';
  const entries: Array<Record<string, string>> = [];
  for (const line of section.split('\n')) {
    const item = /^ {4}(- | {2})(\w+): (.*)$/.exec(line);
    if (!item) continue;
    if (item[1] === '- ') entries.push({});
    const entry = entries.at(-1);
    if (entry && item[2]) entry[item[2]] = (item[3] ?? '').trim();
  }
  return entries;
}

describe('manifest.yml and the code agree', () => {
  it('declares every shortcut the app listens for, with its name, type and callback id', () => {
    const declared = manifestShortcuts().map(({ name, type, callback_id, description }) => ({
      name,
      type,
      callbackId: callback_id,
      description,
    }));
    expect(declared).toEqual(SHORTCUTS.map(({ name, type, callbackId, description }) => ({ name, type, callbackId, description })));
    for (const shortcut of declared) expect((shortcut.description ?? '').length).toBeLessThanOrEqual(150);
  });

  it('declares exactly the slash commands the app listens for', () => {
    const declared = [...manifest.matchAll(/^ {4}- command: (\S+)$/gm)].map((m) => m[1]);
    expect(declared).toEqual(Object.values(SlashCommand));
  });

  it('asks for the scopes digests use', () => {
    for (const scope of ['files:write', 'channels:read', 'groups:read', 'channels:join']) {
      expect(manifest).toMatch(new RegExp(`\\n\\s+- ${scope}\\n`));
    }
  });

  it('turns on the Home tab and subscribes to app_home_opened', () => {
    expect(manifest).toMatch(/app_home:\n\s+home_tab_enabled: true/);
    expect(manifest).toMatch(/bot_events:\n(?:\s+#.*\n)*\s+- app_home_opened/);
  });

  it('registers the unfurl domains the app unfurls by default, with link_shared and its scopes', () => {
    const section = /\n {2}unfurl_domains:\n((?: {4}- .*\n)+)/.exec(manifest)?.[1] ?? '';
    const domains = [...section.matchAll(/- (\S+)/g)].map((m) => m[1]);
    expect(domains).toEqual([...DEFAULT_UNFURL_DOMAINS]);
    // Slack takes at most 5 unfurl domains.
    expect(domains.length).toBeLessThanOrEqual(5);
    expect(manifest).toMatch(/bot_events:\n(?:\s+(?:#.*|- \S+)\n)*\s+- link_shared\n/);
    for (const scope of ['links:read', 'links:write']) expect(manifest).toMatch(new RegExp(`\\n\\s+- ${scope}\\n`));
  });

  it('asks for the scopes the shortcuts and cards use', () => {
    for (const scope of ['commands', 'chat:write', 'chat:write.public', 'users:read', 'users:read.email']) {
      expect(manifest).toMatch(new RegExp(`\\n\\s+- ${scope.replace('.', '\\.')}\\n`));
    }
  });
});
