// Slack's Web API failing under the real app: `ratelimited` (HTTP 429 + Retry-After),
// `expired_trigger_id` and `channel_not_found`, injected with the stand-in's failNext, and a
// response_url that refuses a reply (rate-limited, or refused for good: then the answer goes
// ephemerally to the person where they are, else by DM). Pipedrive is the healthy loopback
// fake. For each: what the person saw (read from the Slack call that carried it), that
// nothing was done twice, and that the app still answers.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeDeal, FakePipedrive } from '../../bench/support/fake-pipedrive-server.js';
import { selectValue, textValue } from '../helpers/slack-payloads.js';
import { CallbackId, DealFormField, LostFormField } from '../../src/ui/ids.js';
import { ADA, replyText, type DealbotOverHttp } from '../../bench/support/dealbot-over-http.js';
import { startFaultBench, type FaultBench } from './fault-bench.js';
import { createFaultReport } from './fault-report.js';

const report = createFaultReport('Slack Web API faults');
let bench: FaultBench;
let pd: FakePipedrive;
let app: DealbotOverHttp;
const freshOpenDeal = (): FakeDeal => bench.freshOpenDeal();

beforeAll(async () => {
  bench = await startFaultBench(report, { deals: 200, seed: 23, openDeals: 40, timeoutMs: 2000, maxRetries: 2 });
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
    expect(text).toMatch(/Slack is busy/);
    expect(text).toMatch(/try again in a minute/);
    expect(text).not.toMatch(/invite/i);
    const opens = calls('views.open', sent.fromIndex);
    expect(opens).toBe(1);
    expect(pd.ledger.count('POST /api/v2/deals')).toBe(0);
    await bench.reportRecovered({
      fault: 'views.open ratelimited (Retry-After 1 s)',
      where: '/deal new',
      saw: reply,
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
    await bench.reportRecovered({ fault: 'views.open expired_trigger_id', where: '/deal new', saw: reply });
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
      saw: told,
      sawFrom: /Deal created/,
      creates: { posts, deals },
      note: 'the deal stands; the modal says why its card is missing',
    });
  });

  it('a response_url rate-limited on the announcement after /deal won: won once, and told Slack is busy, not to /invite', async () => {
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
    // The deal is won: saying nothing changed would be false, and /invite would not help.
    expect(text).not.toMatch(/Nothing was changed/i);
    expect(text).not.toMatch(/invite/i);
    expect(text).toContain(`marked won in Pipedrive`);
    expect(text).toMatch(/Slack is busy/);
    expect(text).toMatch(/nothing is lost/);
    const patches = pd.ledger.count('PATCH /api/v2/deals/{id}');
    expect(patches).toBe(1);
    await bench.reportRecovered({
      fault: 'response_url 429 on the announcement',
      where: '/deal won <id>',
      saw: heard,
      attempts: { made: patches, allowed: 3 },
    });
  });
});

describe('a response_url that refuses the answer for good: the person still hears the outcome', () => {
  it('expired_url on a card: the card comes as an ephemeral message to the same person in the same channel', async () => {
    const deal = freshOpenDeal();
    app.standin.failNext('response_url', 'expired_url');
    const sent = await app.slash(String(deal.id));
    const refused = await app.reply(sent);
    expect(refused.result).toMatchObject({ ok: false, error: 'expired_url' });
    const ephemeral = await app.callAfter(sent, 'chat.postEphemeral');
    expect(ephemeral.result.ok).toBe(true);
    expect(ephemeral.args).toMatchObject({ channel: 'C0CONSOLE', user: ADA.id });
    expect(replyText(ephemeral)).toContain(deal.title);
    expect(calls('chat.postMessage', sent.fromIndex)).toBe(0);
    await bench.reportRecovered({
      fault: 'response_url expired_url',
      where: '/deal <id>',
      saw: ephemeral,
      note: 'answered by chat.postEphemeral',
    });
  });

  it('used_url, and the channel refuses an ephemeral too: the card comes by DM', async () => {
    const deal = freshOpenDeal();
    app.standin.failNext('response_url', 'used_url');
    app.standin.failNext('chat.postEphemeral', 'channel_not_found');
    const sent = await app.slash(String(deal.id));
    const dm = await app.callAfter(sent, 'chat.postMessage');
    expect(dm.result.ok).toBe(true);
    expect(dm.args.channel).toBe(ADA.id);
    expect(replyText(dm)).toContain(deal.title);
    expect(calls('chat.postEphemeral', sent.fromIndex)).toBe(1);
    await bench.reportRecovered({
      fault: 'response_url used_url + postEphemeral channel_not_found',
      where: '/deal <id>',
      saw: dm,
      note: 'answered by DM',
    });
  });

  it('expired_url on /deal won: won once, announced in the channel by the bot, confirmed to the person', async () => {
    const deal = freshOpenDeal();
    app.standin.failNext('response_url', 'expired_url');
    app.standin.failNext('response_url', 'expired_url');
    const sent = await app.slash(`won ${deal.id}`);
    const announced = await app.callAfter(sent, 'chat.postMessage');
    expect(announced.result.ok).toBe(true);
    expect(announced.args.channel).toBe('C0CONSOLE');
    expect(replyText(announced)).toContain(deal.title);
    const confirmed = await app.callAfter(sent, 'chat.postEphemeral');
    expect(confirmed.result.ok).toBe(true);
    expect(replyText(confirmed)).toMatch(/Marked .* won/);
    expect(pd.deal(deal.id)?.status).toBe('won');
    const patches = pd.ledger.count('PATCH /api/v2/deals/{id}');
    expect(patches).toBe(1);
    expect(calls('chat.postMessage', sent.fromIndex)).toBe(1);
    await bench.reportRecovered({
      fault: 'response_url expired_url on won',
      where: '/deal won <id>',
      saw: announced,
      attempts: { made: patches, allowed: 3 },
      note: 'announced by chat.postMessage, confirmed by chat.postEphemeral',
    });
  });

  it('expired_url on /deal won in a channel the bot is not in: won once, and told why there was no announcement', async () => {
    const deal = freshOpenDeal();
    // The announcement, then the error reply: both refused by the response_url.
    app.standin.failNext('response_url', 'expired_url');
    app.standin.failNext('response_url', 'expired_url');
    app.standin.failNext('chat.postMessage', 'not_in_channel');
    const sent = await app.slash(`won ${deal.id}`);
    const told = await app.callAfter(sent, 'chat.postEphemeral');
    const text = replyText(told);
    expect(text).toContain(`marked won in Pipedrive`);
    expect(text).toContain('/invite @Dealbot');
    expect(text).not.toMatch(/Nothing was changed/i);
    expect(pd.deal(deal.id)?.status).toBe('won');
    await bench.reportRecovered({ fault: 'response_url expired_url + postMessage not_in_channel', where: '/deal won <id>', saw: told });
  });

  it('a modal submitted after its response_url expired: the loss is announced by the bot and confirmed ephemerally', async () => {
    const deal = freshOpenDeal();
    const reason = 'Chose a competitor';
    app.standin.failNext('response_url', 'expired_url');
    app.standin.failNext('response_url', 'expired_url');
    const [sent] = await app.submit(
      {
        id: 'VLOSTEXPIRED',
        hash: `${Date.now()}.expired`,
        callback_id: CallbackId.lostReasonModal,
        private_metadata: JSON.stringify({
          dealId: String(deal.id),
          channelId: 'C0CONSOLE',
          responseUrl: app.standin.responseUrl({ channel: 'C0CONSOLE', ephemeral: true }),
        }),
      },
      { [LostFormField.reason]: { [LostFormField.reason]: textValue(reason) } },
    );
    const announced = await app.callAfter(sent!, 'chat.postMessage');
    expect(announced.result.ok).toBe(true);
    expect(announced.args.channel).toBe('C0CONSOLE');
    expect(replyText(announced)).toContain(reason);
    const confirmed = await app.callAfter(sent!, 'chat.postEphemeral');
    expect(confirmed.result.ok).toBe(true);
    expect(confirmed.args).toMatchObject({ channel: 'C0CONSOLE', user: ADA.id });
    expect(pd.deal(deal.id)?.status).toBe('lost');
    expect(pd.ledger.count('PATCH /api/v2/deals/{id}')).toBe(1);
    await bench.reportRecovered({
      fault: 'response_url expired_url ×2 after a modal',
      where: 'lost-reason modal',
      saw: confirmed,
      note: 'announced by chat.postMessage, confirmed by chat.postEphemeral',
    });
  });

  it('an error reply whose response_url is refused: the error comes ephemerally instead', async () => {
    app.standin.failNext('response_url', 'expired_url');
    const sent = await app.slash('99999999');
    const told = await app.callAfter(sent, 'chat.postEphemeral');
    expect(told.args).toMatchObject({ channel: 'C0CONSOLE', user: ADA.id });
    expect(replyText(told)).toContain('Pipedrive has no deal #99999999');
    await bench.reportRecovered({ fault: 'response_url expired_url on an error reply', where: '/deal <unknown id>', saw: told });
  });
});
