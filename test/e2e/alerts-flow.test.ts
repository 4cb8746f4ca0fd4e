// Deal alerts end to end through Bolt's HTTP receiver: a channel subscribes with
// `/pipeline alerts all`; another process sharing the store (here: the embedded CRM written
// to directly, as the console would) marks a deal won and moves another; the alert runtime's
// deal watch polls the CRM and the channel gets one alert each, with the deal's title and
// "won" or the new stage — and nothing more after another poll.

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
});
