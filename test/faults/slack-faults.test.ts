// Slack's Web API failing under the real app: `ratelimited` (HTTP 429 + Retry-After),
// `expired_trigger_id` and `channel_not_found`, injected with the stand-in's failNext, and a
// response_url that refuses a reply. Pipedrive is the healthy loopback fake. For each: what
// the person saw, that nothing was done twice, and that the app still answers.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeDeal, FakePipedrive } from '../helpers/fake-pipedrive-server.js';
import { selectValue, textValue } from '../helpers/slack-payloads.js';
import { CallbackId, DealFormField } from '../../src/ui/ids.js';
import { replyText, type DealbotOverHttp } from './dealbot-over-http.js';
import { startFaultBench, type FaultBench } from './fault-bench.js';
import { createFaultReport } from './fault-report.js';

const report = createFaultReport('Slack Web API faults');
let bench: FaultBench;
let pd: FakePipedrive;
let app: DealbotOverHttp;
const freshOpenDeal = (): FakeDeal => bench.freshOpenDeal();

beforeAll(async () => {
  bench = await startFaultBench(report, { deals: 200, seed: 23, openDeals: 40, timeoutMs: 300, maxRetries: 2 });
  ({ pd, app } = bench);
});

afterAll(async () => {
  await bench?.close();
});

beforeEach(() => {
  pd.ledger.reset();
});

const calls = (method: string, fromIndex: number): number => app.standin.calls.slice(fromIndex).filter((c) => c.method === method).length;

describe('Slack Web API errors', () => {
  it('ratelimited on views.open: the person is told at once instead of a modal opening after its trigger expired', async () => {
    app.standin.failNext('views.open', 'ratelimited', { retryAfterSeconds: 1 });
    const sent = await app.slash('new');
    expect(sent.status).toBe(200);
    const reply = await app.reply(sent);
    const text = replyText(reply);
    expect(reply.args.response_type).toBe('ephemeral');
    expect(text).toMatch(/slow down/i);
    const opens = calls('views.open', sent.fromIndex);
    expect(opens).toBe(1);
    expect(pd.ledger.count('POST /api/v2/deals')).toBe(0);
    await bench.reportRecovered({
      fault: 'views.open ratelimited (Retry-After 1 s)',
      where: '/deal new',
      userSaw: text,
      note: `${opens} views.open call: the client rejects rate-limited calls rather than hold the listener`,
    });
  });

  it('expired_trigger_id on views.open: the person is told in words, not left waiting', async () => {
    app.standin.failNext('views.open', 'expired_trigger_id');
    const sent = await app.slash('new');
    const reply = await app.reply(sent);
    const text = replyText(reply);
    expect(reply.args.response_type).toBe('ephemeral');
    expect(text).toMatch(/run the command again/i);
    expect(text).not.toMatch(/expired_trigger_id|Error:|at .*\.ts/);
    expect(calls('views.open', sent.fromIndex)).toBe(1);
    expect(pd.ledger.count('POST /api/v2/deals')).toBe(0);
    await bench.reportRecovered({ fault: 'views.open expired_trigger_id', where: '/deal new', userSaw: text });
  });

  it('channel_not_found when a modal replies in its channel: the deal is created once and the modal says so', async () => {
    const title = 'Nowhere Channel Media expansion';
    app.standin.failNext('chat.postEphemeral', 'channel_not_found');
    const [sent] = await app.submit(
      {
        id: 'VNOCHANNEL1',
        hash: `${Date.now()}.nochannel`,
        callback_id: CallbackId.createDealModal,
        // Opened from a global shortcut: no response_url, so the card goes to the channel.
        private_metadata: JSON.stringify({ channelId: 'C0GONE', responseUrl: null, defaultCurrency: 'EUR' }),
      },
      {
        [DealFormField.title]: { [DealFormField.title]: textValue(title) },
        [DealFormField.value]: { [DealFormField.value]: textValue('8k') },
        [DealFormField.currency]: { [DealFormField.currency]: selectValue('EUR') },
        [DealFormField.pipeline]: { [DealFormField.pipeline]: selectValue('1', 'Sales') },
        [DealFormField.stage]: { [`${DealFormField.stage}:1`]: selectValue('1', 'Qualified') },
      },
    );
    await app.callAfter(sent!, 'chat.postEphemeral');
    // The modal, still open, says the deal exists and why its card is missing.
    const told = await app.callAfter(sent!, 'views.update', (c) => JSON.stringify(c.args.view).includes('/invite @Dealbot'));
    const text = JSON.stringify(told.args.view).replaceAll('\\u200b', '');
    expect(text).toContain('Deal created');
    expect(text).toContain(title);
    const posts = pd.ledger.count('POST /api/v2/deals');
    const deals = pd.findDeals((d) => d.title === title).length;
    expect(posts).toBe(1);
    expect(deals).toBe(1);
    await bench.reportRecovered({
      fault: 'chat.postEphemeral channel_not_found',
      where: 'create modal (no response_url)',
      userSaw: 'Created … But: Dealbot can’t post in this channel. Invite it with /invite @Dealbot',
      creates: { posts, deals },
      note: 'the deal stands; the modal says why its card is missing',
    });
  });

  it('a response_url that refuses the announcement after /deal won: the deal is won once and the person hears back', async () => {
    const deal = freshOpenDeal();
    app.standin.failNext('response_url', 'ratelimited');
    const sent = await app.slash(`won ${deal.id}`);
    const refused = await app.reply(sent);
    expect(refused.result.ok).toBe(false);
    const heard = await app.standin.waitFor(
      (c, i) => i > app.standin.calls.indexOf(refused) && c.method === 'response_url' && c.responseId === sent.responseId,
    );
    const text = replyText(heard);
    expect(text).not.toMatch(/Error:|at .*\.ts/);
    expect(pd.deal(deal.id)?.status).toBe('won');
    const patches = pd.ledger.count('PATCH /api/v2/deals/{id}');
    expect(patches).toBe(1);
    await bench.reportRecovered({
      fault: 'response_url 429 on the announcement',
      where: '/deal won <id>',
      userSaw: text,
      attempts: { made: patches, allowed: 3 },
      note: /Nothing was changed/.test(text) ? 'claims "Nothing was changed" but the deal is won in Pipedrive' : '',
    });
  });
});
