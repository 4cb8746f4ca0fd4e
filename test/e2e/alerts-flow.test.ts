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

/**
 * The harness with `#sales` subscribed by `/pipeline alerts all`, an alert runtime over its
 * store and embedded CRM, and the deal watch's first poll done (it only records). The
 * delivery's clock runs ahead by hand between passes (one message a second per channel).
 */
async function subscribedChannel(storeUrl?: string) {
  h = await startHarness(storeUrl ? { storeUrl } : {});
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
  const runtime = createAlertRuntime({
    store: h.store,
    workspace: workspaceNamespace({ teamId: h.standin.bot.teamId }),
    crm: h.local,
    logger: createLogger('silent'),
    token: 'xoxb-e2e',
    slackApiUrl: h.standin.url,
    pollSeconds: 60,
    now: () => DateTime.utc().plus({ milliseconds: ahead }),
  });
  alerts = runtime;
  const watch = runtime.watch!;
  expect((await watch.pollOnce()).result).toBe('baseline');
  const posted: StandinCall[] = [];
  h.standin.on('call', (call) => {
    if (call.method === 'chat.postMessage' && call.args.channel === CHANNEL.id) posted.push(call);
  });
  return {
    watch,
    /** What the channel was sent, as a person reads it. */
    posted: () => posted.map(seen),
    async deliver(passes: number, gapMs = 1_000) {
      for (let pass = 0; pass < passes; pass += 1) {
        await runtime.tick();
        ahead += gapMs;
      }
    },
  };
}

/** Deal 4 was won and deal 5 moved to Proposal: one alert each, and another poll and pass add nothing. */
async function expectOneAlertEach(channel: Awaited<ReturnType<typeof subscribedChannel>>, movedTitle: string): Promise<void> {
  expect(await channel.watch.pollOnce()).toMatchObject({ result: 'polled', events: 2 });
  await channel.deliver(4);
  const texts = channel.posted();
  expect(texts).toHaveLength(2);
  expect(texts.find((t) => t.includes('Tailspin Toys webshop'))).toContain('was won');
  expect(texts.find((t) => t.includes(movedTitle))).toContain('→ Proposal');
  expect(await channel.watch.pollOnce()).toMatchObject({ events: 0 });
  await channel.deliver(1, 5_000);
  expect(channel.posted()).toHaveLength(2);
}

describe('alerts from a change made elsewhere', () => {
  it('reach the subscribed channel once each', async () => {
    const channel = await subscribedChannel();
    await h.local.markWon('4');
    await h.local.moveDeal('5', '3');
    await expectOneAlertEach(channel, (await h.local.getDeal('5')).title);
  });

  it("come from a real console process sharing the SQLite file: its won and move reach the bot's channel once each, and the console takes none of them", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dealbot-alerts-'));
    const storeUrl = `sqlite://${join(dir, 'shared.sqlite')}`;
    try {
      const channel = await subscribedChannel(storeUrl);
      const moving = await h.local.getDeal('5');
      // The README's console, as a person would run it, on the bot's store file.
      const session = await runConsole(['/deal won 4', '/deal move 5 to Proposal'], storeUrl);
      expect(session.code).toBe(0);
      expect(session.stdout).toContain('Tailspin Toys webshop');
      await expectOneAlertEach(channel, moving.title);
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
