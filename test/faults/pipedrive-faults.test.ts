// Pipedrive misbehaving under the real app: rate limits with Retry-After, 500s, connection
// resets, requests that are never answered, bodies that trickle in, broken JSON and answers
// that no longer match the schema. Driven through Bolt's HTTP receiver with signed requests;
// Slack is the recording stand-in, Pipedrive the loopback fake, whose ledger counts every
// request that reached it. For each fault: what the person read, that retries stayed within
// 1 + maxRetries (and writes that may have happened were never repeated), that nothing was
// created twice or lost, and that the app still answers the next request.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeDeal, FakePipedrive } from '../../bench/support/fake-pipedrive-server.js';
import { textValue, selectValue, type StateValues } from '../helpers/slack-payloads.js';
import { CallbackId, DealFormField, LostFormField } from '../../src/ui/ids.js';
import type { StandinCall } from '../../src/console/slack-api-standin.js';
import { replyText, type DealbotOverHttp, type SentRequest } from '../../bench/support/dealbot-over-http.js';
import { startFaultBench, type FaultBench } from './fault-bench.js';
import { createFaultReport } from './fault-report.js';

// Per attempt: far above what a healthy loopback answer takes on a busy machine, so only
// the faults that never answer (or trickle) meet it, and request counts stay exact.
const TIMEOUT_MS = 2000;
/** For tests that wait out every attempt's timeout. */
const SLOW_TEST = { timeout: 30_000 };
const MAX_RETRIES = 2;
const ALLOWED = 1 + MAX_RETRIES;

const report = createFaultReport(`Pipedrive faults (timeoutMs ${TIMEOUT_MS}, maxRetries ${MAX_RETRIES})`);
let bench: FaultBench;
let pd: FakePipedrive;
let app: DealbotOverHttp;
/** The pauses the adapter asked for between attempts (served shortened). */
const waits: number[] = [];
const freshOpenDeal = (): FakeDeal => bench.freshOpenDeal();

beforeAll(async () => {
  bench = await startFaultBench(report, {
    deals: 300,
    seed: 11,
    openDeals: 60,
    timeoutMs: TIMEOUT_MS,
    maxRetries: MAX_RETRIES,
    sleep: async (ms) => {
      waits.push(ms);
      // Recorded, not waited out: yield once so the retry still comes from a fresh tick.
      await new Promise((resolve) => setImmediate(resolve));
    },
  });
  ({ pd, app } = bench);
});

afterAll(async () => {
  await bench?.close();
});

beforeEach(() => {
  pd.ledger.reset();
  waits.length = 0;
});

afterEach(() => {
  pd.clearFaults();
  pd.setLatency(0);
});

async function slashAndReply(text: string, command: '/deal' | '/pipeline' = '/deal') {
  const sent = await app.slash(text, { command });
  expect(sent.status).toBe(200);
  const reply = await app.reply(sent, 10_000);
  return { sent, reply, text: replyText(reply) };
}

function createModal(title: string): { view: Record<string, unknown>; values: StateValues; responseUrl: string } {
  const responseUrl = app.standin.responseUrl({ channel: 'C0CONSOLE', ephemeral: true });
  return {
    responseUrl,
    view: {
      id: `V${Math.random().toString(36).slice(2, 10).toUpperCase()}`,
      hash: `${Date.now()}.${Math.random().toString(36).slice(2, 8)}`,
      callback_id: CallbackId.createDealModal,
      private_metadata: JSON.stringify({ channelId: 'C0CONSOLE', responseUrl, defaultCurrency: 'EUR' }),
    },
    values: {
      [DealFormField.title]: { [DealFormField.title]: textValue(title) },
      [DealFormField.value]: { [DealFormField.value]: textValue('12k') },
      [DealFormField.currency]: { [DealFormField.currency]: selectValue('EUR') },
      [DealFormField.pipeline]: { [DealFormField.pipeline]: selectValue('1', 'Sales') },
      [DealFormField.stage]: { [`${DealFormField.stage}:1`]: selectValue('3', 'Proposal') },
    },
  };
}

/** The modal as the app redrew it after `sent`: the first views.update carrying the form again. */
async function redrawnForm(sent: SentRequest): Promise<{ form: string; update: StandinCall }> {
  const update = await app.callAfter(sent, 'views.update', (c) => JSON.stringify(c.args.view).includes('"type":"input"'));
  return { form: JSON.stringify(update.args.view), update };
}

/** The words that matter in a redrawn modal start at its warning. */
const WARNING = /⚠️/;

const dealsTitled = (title: string): number => pd.findDeals((d) => d.title === title).length;

describe('reading a deal while Pipedrive misbehaves', () => {
  it('429 with Retry-After: waits as told, tries once more and shows the card', async () => {
    const deal = freshOpenDeal();
    pd.failNext('/api/v2/deals/{id}', { kind: 'rate-limit', retryAfterSeconds: 2, method: 'GET' });
    const { text, reply } = await slashAndReply(String(deal.id));
    expect(text).toContain(deal.title);
    expect(pd.ledger.count('GET /api/v2/deals/{id}')).toBe(2);
    expect(waits).toEqual([2000]);
    await bench.reportRecovered({
      fault: '429 once, Retry-After 2 s',
      where: '/deal <id>',
      saw: reply,
      attempts: { made: 2, allowed: ALLOWED },
      note: `waited ${waits.join(', ')} ms as asked`,
    });
  });

  it('429 that does not stop: gives up after 1 + maxRetries and says when to try again', async () => {
    const deal = freshOpenDeal();
    pd.failNext('/api/v2/deals/{id}', { kind: 'rate-limit', retryAfterSeconds: 1, method: 'GET', times: 10 });
    const { text, reply } = await slashAndReply(String(deal.id));
    expect(text).toMatch(/busy with too many requests/);
    expect(text).toMatch(/try again/);
    const made = pd.ledger.count('GET /api/v2/deals/{id}');
    expect(made).toBe(ALLOWED);
    pd.clearFaults();
    await bench.reportRecovered({
      fault: '429 every time',
      where: '/deal <id>',
      saw: reply,
      attempts: { made, allowed: ALLOWED },
    });
  });

  it('500 every time: retried within bounds, then "unavailable, try again"', async () => {
    const deal = freshOpenDeal();
    pd.failNext('/api/v2/deals/{id}', { kind: 'server-error', times: 10 });
    const { text, reply } = await slashAndReply(String(deal.id));
    expect(text).toMatch(/Pipedrive is unavailable/);
    expect(text).toMatch(/try again/);
    const made = pd.ledger.count('GET /api/v2/deals/{id}');
    expect(made).toBe(ALLOWED);
    pd.clearFaults();
    await bench.reportRecovered({
      fault: '500 every time',
      where: '/deal <id>',
      saw: reply,
      attempts: { made, allowed: ALLOWED },
    });
  });

  it('connection reset once: the retry answers and the card shows', async () => {
    const deal = freshOpenDeal();
    pd.failNext('/api/v2/deals/{id}', { kind: 'reset' });
    const { text, reply } = await slashAndReply(String(deal.id));
    expect(text).toContain(deal.title);
    const made = pd.ledger.count('GET /api/v2/deals/{id}');
    expect(made).toBe(2);
    await bench.reportRecovered({
      fault: 'connection reset once',
      where: '/deal <id>',
      saw: reply,
      attempts: { made, allowed: ALLOWED },
    });
  });

  it('no answer at all: each attempt times out, then "unavailable, try again"', SLOW_TEST, async () => {
    const deal = freshOpenDeal();
    pd.failNext('/api/v2/deals/{id}', { kind: 'timeout', times: 10 });
    const { text, reply } = await slashAndReply(String(deal.id));
    expect(text).toMatch(/Pipedrive is unavailable/);
    const made = pd.ledger.count('GET /api/v2/deals/{id}');
    expect(made).toBe(ALLOWED);
    pd.clearFaults();
    await bench.reportRecovered({
      fault: 'timeout every time',
      where: '/deal <id>',
      saw: reply,
      attempts: { made, allowed: ALLOWED },
    });
  });

  it('a body that trickles in slower than the timeout: abandoned, retried, the card shows', SLOW_TEST, async () => {
    const deal = freshOpenDeal();
    pd.failNext('/api/v2/deals/{id}', { kind: 'slow-body', chunkBytes: 8, intervalMs: 100 });
    const { text, reply } = await slashAndReply(String(deal.id));
    expect(text).toContain(deal.title);
    const made = pd.ledger.count('GET /api/v2/deals/{id}');
    expect(made).toBe(2);
    await bench.reportRecovered({
      fault: 'slow body once',
      where: '/deal <id>',
      saw: reply,
      attempts: { made, allowed: ALLOWED },
    });
  });

  it('malformed JSON: not retried, the person is told Pipedrive answered unexpectedly', async () => {
    const deal = freshOpenDeal();
    pd.failNext('/api/v2/deals/{id}', { kind: 'malformed-json' });
    const { text, reply } = await slashAndReply(String(deal.id));
    expect(text).toMatch(/answered in a way Dealbot did not expect/);
    expect(text).not.toMatch(/SyntaxError|at .*\.ts/);
    const made = pd.ledger.count('GET /api/v2/deals/{id}');
    expect(made).toBe(1);
    await bench.reportRecovered({ fault: 'malformed JSON', where: '/deal <id>', saw: reply, attempts: { made, allowed: 1 } });
  });
});

describe('the board while Pipedrive misbehaves', () => {
  it('a deal page that breaks the schema: the board is refused, not drawn from half the data', async () => {
    pd.failNext('/api/v2/deals', { kind: 'schema-break', method: 'GET' });
    const { text, reply } = await slashAndReply('', '/pipeline');
    expect(text).toMatch(/answered in a way Dealbot did not expect/);
    // Two lists are read side by side (open deals; deals closed this month); the broken one is not retried.
    const made = pd.ledger.count('GET /api/v2/deals');
    expect(made).toBeLessThanOrEqual(2);
    await bench.reportRecovered({
      fault: 'schema-breaking page',
      where: '/pipeline',
      saw: reply,
      attempts: { made, allowed: 2 },
    });
  });

  it('429 on a deal page: the board waits and still draws', async () => {
    pd.failNext('/api/v2/deals', { kind: 'rate-limit', retryAfterSeconds: 1, method: 'GET' });
    const { text, reply } = await slashAndReply('', '/pipeline');
    expect(text).toContain('Qualified');
    const made = pd.ledger.count('GET /api/v2/deals');
    expect(made).toBeLessThanOrEqual(2 + 1);
    await bench.reportRecovered({
      fault: '429 once on a page',
      where: '/pipeline',
      saw: reply,
      attempts: { made, allowed: 2 * ALLOWED },
    });
  });
});

describe('writes while Pipedrive misbehaves', () => {
  it('/deal won with a 500 then success: retried (PATCH is idempotent) and announced once', async () => {
    const deal = freshOpenDeal();
    pd.failNext('/api/v2/deals/{id}', { kind: 'server-error', method: 'PATCH' });
    const { text, reply } = await slashAndReply(`won ${deal.id}`);
    expect(reply.args.response_type).toBe('in_channel');
    expect(text).toContain(deal.title);
    expect(pd.deal(deal.id)?.status).toBe('won');
    const made = pd.ledger.count('PATCH /api/v2/deals/{id}');
    expect(made).toBe(2);
    await bench.reportRecovered({
      fault: '500 once on PATCH',
      where: '/deal won <id>',
      saw: reply,
      attempts: { made, allowed: ALLOWED },
    });
  });

  it('/deal won whose answer is lost after Pipedrive applied it, then 500s: told the outcome is unknown, never "Nothing was changed"', async () => {
    const deal = freshOpenDeal();
    pd.failNext('/api/v2/deals/{id}', { kind: 'reset', method: 'PATCH', afterWrite: true });
    pd.failNext('/api/v2/deals/{id}', { kind: 'server-error', method: 'PATCH', times: 10 });
    const { text, reply } = await slashAndReply(`won ${deal.id}`);
    // The first PATCH was applied: the deal is won, whatever the retries met.
    expect(pd.deal(deal.id)?.status).toBe('won');
    expect(text).not.toMatch(/Nothing was changed/i);
    expect(text).toMatch(/cannot tell whether the change was saved/);
    expect(text).toMatch(/Check the deal before trying again/);
    const made = pd.ledger.count('PATCH /api/v2/deals/{id}');
    expect(made).toBe(ALLOWED);
    pd.clearFaults();
    await bench.reportRecovered({
      fault: 'reset after PATCH applied, then 500s',
      where: '/deal won <id>',
      saw: reply,
      attempts: { made, allowed: ALLOWED },
      note: 'the retries’ 500s do not undo the lost answer: outcome unknown',
    });
  });

  it('create modal, 500 on POST: not retried, the form comes back with everything typed, a resubmit creates one deal', async () => {
    const title = 'Faultline Systems expansion';
    const modal = createModal(title);
    pd.failNext('/api/v2/deals', { kind: 'server-error', method: 'POST' });
    const [first] = await app.submit(modal.view, modal.values);
    expect(first?.ack).toMatchObject({ response_action: 'update' });
    const { form, update } = await redrawnForm(first!);
    expect(form).toContain(title);
    expect(form).toContain('"initial_value":"12k"');
    // The chosen stage (Proposal, id 3) is still chosen.
    expect(form).toMatch(/"initial_option":\{"text":\{[^}]*"text":"Proposal"[^}]*\},"value":"3"\}/);
    expect(form).toMatch(/Everything you typed is still here/);
    expect(pd.ledger.count('POST /api/v2/deals')).toBe(1);
    expect(dealsTitled(title)).toBe(0);

    // The person submits the redrawn form: Slack gives it a new hash.
    const again = { ...modal.view, hash: `${Date.now()}.retry` };
    const [second] = await app.submit(again, modal.values);
    await app.callAfter(second!, 'views.update', (c) => JSON.stringify(c.args.view).includes('Deal created'));
    const posts = pd.ledger.count('POST /api/v2/deals');
    expect(posts).toBe(2);
    expect(dealsTitled(title)).toBe(1);
    await bench.reportRecovered({
      fault: '500 on POST',
      where: 'create modal, then resubmit',
      saw: update,
      sawFrom: WARNING,
      attempts: { made: 1, allowed: 1 },
      creates: { posts, deals: dealsTitled(title) },
    });
  });

  it('create modal, double submit while Pipedrive is slow: one POST, one deal', async () => {
    const title = 'Doubleclick Analytics pilot';
    const modal = createModal(title);
    pd.setLatency(150);
    const acks = await app.submit(modal.view, modal.values, { times: 2 });
    expect(acks.every((a) => a.status === 200)).toBe(true);
    const created = await app.callAfter(acks[0]!, 'views.update', (c) => JSON.stringify(c.args.view).includes('Deal created'));
    const posts = pd.ledger.count('POST /api/v2/deals');
    expect(posts).toBe(1);
    expect(dealsTitled(title)).toBe(1);
    pd.setLatency(0);
    await bench.reportRecovered({
      fault: 'double submit, slow CRM',
      where: 'create modal ×2',
      saw: created,
      creates: { posts, deals: dealsTitled(title) },
    });
  });

  it('create modal, POST never answered: not retried, the form says the outcome is unknown and keeps the input', SLOW_TEST, async () => {
    const title = 'Silent Harbour renewal';
    const modal = createModal(title);
    pd.failNext('/api/v2/deals', { kind: 'timeout', method: 'POST' });
    const [sent] = await app.submit(modal.view, modal.values);
    const { form, update } = await redrawnForm(sent!);
    expect(form).toContain(title);
    expect(form).toMatch(/did not answer in time/);
    expect(form).toMatch(/Check the deal before trying again/);
    const posts = pd.ledger.count('POST /api/v2/deals');
    expect(posts).toBe(1);
    await bench.reportRecovered({
      fault: 'timeout on POST',
      where: 'create modal',
      saw: update,
      sawFrom: WARNING,
      attempts: { made: posts, allowed: 1 },
      creates: { posts, deals: dealsTitled(title) },
    });
  });

  it('create modal, the answer to a POST that was applied is lost (reset): one POST, the created deal found and shown', async () => {
    const title = 'Lost Answer Logistics rollout';
    const modal = createModal(title);
    pd.failNext('/api/v2/deals', { kind: 'reset', method: 'POST', afterWrite: true });
    const [sent] = await app.submit(modal.view, modal.values);
    // Before telling anyone to try again, Dealbot looks for the deal the CRM may have made.
    const done = await app.callAfter(sent!, 'views.update', (c) => JSON.stringify(c.args.view).includes('Deal created'));
    expect(JSON.stringify(done.args.view)).toContain(title);
    const posts = pd.ledger.count('POST /api/v2/deals');
    expect(posts).toBe(1);
    expect(pd.ledger.count('GET /api/v2/deals/search')).toBe(1);
    expect(dealsTitled(title)).toBe(1);
    await bench.reportRecovered({
      fault: 'reset after POST applied',
      where: 'create modal',
      saw: done,
      attempts: { made: posts, allowed: 1 },
      creates: { posts, deals: dealsTitled(title) },
      note: 'one search (20 tokens) reconciles a lost answer',
    });
  });

  it('lost-reason modal, PATCH failing every time: retried within bounds, the reason is still in the modal', async () => {
    const deal = freshOpenDeal();
    const responseUrl = app.standin.responseUrl({ channel: 'C0CONSOLE', ephemeral: true });
    const reason = 'Budget moved to next fiscal year';
    pd.failNext('/api/v2/deals/{id}', { kind: 'server-error', method: 'PATCH', times: 10 });
    const [sent] = await app.submit(
      {
        id: 'VLOSTFAULT1',
        hash: `${Date.now()}.lost`,
        callback_id: CallbackId.lostReasonModal,
        private_metadata: JSON.stringify({ dealId: String(deal.id), channelId: 'C0CONSOLE', responseUrl }),
      },
      { [LostFormField.reason]: { [LostFormField.reason]: textValue(reason) } },
    );
    expect(sent?.ack).toMatchObject({ response_action: 'update' });
    const { form, update } = await redrawnForm(sent!);
    expect(form).toContain(reason);
    expect(form).toMatch(/Your reason is still here/);
    const made = pd.ledger.count('PATCH /api/v2/deals/{id}');
    expect(made).toBe(ALLOWED);
    expect(pd.deal(deal.id)?.status).toBe('open');
    pd.clearFaults();
    await bench.reportRecovered({
      fault: '500 every time on PATCH',
      where: 'lost-reason modal',
      saw: update,
      sawFrom: WARNING,
      attempts: { made, allowed: ALLOWED },
    });
  });
});
