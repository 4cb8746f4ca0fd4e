// Deal alerts end to end through Bolt's HTTP receiver: a channel subscribes with
// `/pipeline alerts all`; another process sharing the store (here: the embedded CRM written
// to directly, as the console would) marks a deal won and moves another; the alert runtime's
// deal watch polls the CRM and the channel gets one alert each, with the deal's title and
// "won" or the new stage — and nothing more after another poll.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import type { StandinCall } from '../../src/console/slack-api-standin.js';
import { createLogger } from '../../src/logger.js';
import { createAlertRuntime, type AlertRuntime } from '../../src/runtime/alert-runtime.js';
import { workspaceNamespace } from '../../src/store/workspace-namespace.js';
import { displayedText, mrkdwnTexts } from '../helpers/block-kit-limits.js';
import { slashCommandPayload } from '../helpers/slack-payloads.js';
import { CHANNEL, startHarness, type Harness } from '../listeners/http-harness.js';

let h: Harness;
let alerts: AlertRuntime | undefined;
afterEach(async () => {
  await alerts?.stop();
  await h?.close();
});

const seen = (call: StandinCall): string =>
  mrkdwnTexts(call.args.blocks)
    .map((t) => displayedText(t).replace(/\*/g, ''))
    .join('\n');

describe('alerts from a change made elsewhere', () => {
  it('reach the subscribed channel once each', async () => {
    h = await startHarness();
    await h.command(
      slashCommandPayload({
        command: '/pipeline',
        text: 'alerts all',
        channel: CHANNEL,
        responseUrl: h.standin.responseUrl({ channel: CHANNEL.id }),
      }),
    );
    await h.standin.waitFor((c) => c.method === 'response_url' && JSON.stringify(c.args).includes('set alerts here'));

    // The delivery's clock runs ahead by hand between passes (one message a second per channel).
    let ahead = 0;
    alerts = createAlertRuntime({
      store: h.store,
      workspace: workspaceNamespace({ teamId: h.standin.bot.teamId }),
      crm: h.local,
      logger: createLogger('silent'),
      token: 'xoxb-e2e',
      slackApiUrl: h.standin.url,
      pollSeconds: 60,
      now: () => DateTime.utc().plus({ milliseconds: ahead }),
    });
    const watch = alerts.watch!;
    expect((await watch.pollOnce()).result).toBe('baseline');

    await h.local.markWon('4');
    await h.local.moveDeal('5', '3');
    const report = await watch.pollOnce();
    expect(report).toMatchObject({ result: 'polled', events: 2 });
    const posted: StandinCall[] = [];
    h.standin.on('call', (call) => {
      if (call.method === 'chat.postMessage' && call.args.channel === CHANNEL.id) posted.push(call);
    });
    for (let pass = 0; pass < 4; pass += 1) {
      await alerts.tick();
      ahead += 1_000;
    }
    const texts = posted.map(seen);
    expect(texts).toHaveLength(2);
    expect(texts.find((t) => t.includes('Tailspin Toys webshop'))).toContain('was won');
    const moved = await h.local.getDeal('5');
    expect(texts.find((t) => t.includes(moved.title))).toContain('→ Proposal');

    // Another poll, another pass: nothing new, nothing twice.
    expect(await watch.pollOnce()).toMatchObject({ events: 0 });
    ahead += 5_000;
    await alerts.tick();
    expect(posted).toHaveLength(2);
  });

  it("come from a real console process sharing the SQLite file: its won and move reach the bot's channel once each, and the console takes none of them", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dealbot-alerts-'));
    const storeUrl = `sqlite://${join(dir, 'shared.sqlite')}`;
    try {
      h = await startHarness({ storeUrl });
      await h.command(
        slashCommandPayload({
          command: '/pipeline',
          text: 'alerts all',
          channel: CHANNEL,
          responseUrl: h.standin.responseUrl({ channel: CHANNEL.id }),
        }),
      );
      await h.standin.waitFor((c) => c.method === 'response_url' && JSON.stringify(c.args).includes('set alerts here'));
      let ahead = 0;
      alerts = createAlertRuntime({
        store: h.store,
        workspace: workspaceNamespace({ teamId: h.standin.bot.teamId }),
        crm: h.local,
        logger: createLogger('silent'),
        token: 'xoxb-e2e',
        slackApiUrl: h.standin.url,
        pollSeconds: 60,
        now: () => DateTime.utc().plus({ milliseconds: ahead }),
      });
      const watch = alerts.watch!;
      expect((await watch.pollOnce()).result).toBe('baseline');
      const moving = await h.local.getDeal('5');

      // The README's console, as a person would run it, on the bot's store file.
      const session = await runConsole(['/deal won 4', `/deal move 5 to Proposal`], storeUrl);
      expect(session.code).toBe(0);
      expect(session.stdout).toContain('Tailspin Toys webshop');

      const posted: StandinCall[] = [];
      h.standin.on('call', (call) => {
        if (call.method === 'chat.postMessage' && call.args.channel === CHANNEL.id) posted.push(call);
      });
      expect(await watch.pollOnce()).toMatchObject({ result: 'polled', events: 2 });
      for (let pass = 0; pass < 4; pass += 1) {
        await alerts.tick();
        ahead += 1_000;
      }
      const texts = posted.map(seen);
      expect(texts).toHaveLength(2);
      expect(texts.find((t) => t.includes('Tailspin Toys webshop'))).toContain('was won');
      expect(texts.find((t) => t.includes(moving.title))).toContain('→ Proposal');
      expect(await watch.pollOnce()).toMatchObject({ events: 0 });
      ahead += 5_000;
      await alerts.tick();
      expect(posted).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

function runConsole(script: string[], storeUrl: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TZ: 'Europe/Berlin', NO_COLOR: '1', STORE_URL: storeUrl },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
    child.stdin.end(`${script.join('\n')}\n`);
  });
}
