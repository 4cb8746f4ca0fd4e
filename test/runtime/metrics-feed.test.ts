// Each declared series moves when what it counts happens: CRM requests by endpoint template and
// status, Pipedrive's rate-limit window and daily budget (left, and spent between answers),
// digest posts by outcome and their lag, claim conflicts by kind. Every test reads its own
// registry, so nothing leaks between them.
//
// The deal is a real recording (`test/fixtures/pipedrive/real-v2-deal.json`); its organization,
// person and the 404 are Pipedrive's spec examples (that folder's README says where each is from). The rate-limit header values follow the example in Pipedrive's
// "Rate limiting" docs (https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting:
// x-ratelimit-limit 40, x-ratelimit-remaining 39, x-daily-requests-left 9999); the token
// budget header (`x-daily-ratelimit-token-remaining`) is sent by the live API but not in the
// docs, and its values here are invented.

import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { LockTimeoutError } from '../../src/errors.js';
import { crmExchangeRecorder } from '../../src/runtime/crm-metrics.js';
import { claimKind, instrumentStore } from '../../src/runtime/instrumented-store.js';
import { createMetrics, digestSlotRecorder, type Metrics } from '../../src/runtime/metrics.js';
import { createStore } from '../../src/store/create-store.js';
import { createPipedriveUnderTest, pipedriveApi } from '../helpers/pipedrive-under-test.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/pipedrive/${name}.json`, import.meta.url), 'utf8'));
const realDeal = fixture('real-v2-deal');

async function value(metrics: Metrics, name: keyof Metrics, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = metrics[name] as {
    get(): Promise<{ values: Array<{ value: number; labels: Record<string, string | number>; metricName?: string }> }>;
  };
  const { values } = await metric.get();
  const hit = values.find(
    (v) =>
      Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want) &&
      !v.metricName?.endsWith('_bucket') &&
      !v.metricName?.endsWith('_sum'),
  );
  return hit?.value;
}

afterEach(() => {
  nock.cleanAll();
});

describe('CRM metrics', () => {
  it('count Pipedrive requests by route template and status, and read the rate-limit window and daily budget from the answers', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    pipedriveApi()
      .get('/api/v2/deals/1')
      .reply(200, realDeal, {
        'x-ratelimit-limit': '40',
        'x-ratelimit-remaining': '39',
        'x-ratelimit-reset': '2',
        'x-daily-ratelimit-token-remaining': '29500',
      })
      // The deal's organization and person are named once (then cached): Pipedrive's spec examples.
      .get('/api/v2/organizations/1')
      .reply(200, fixture('organization'))
      .get('/api/v2/persons/1')
      .reply(200, fixture('person'))
      .get('/api/v2/deals/1')
      .reply(200, realDeal, { 'x-ratelimit-remaining': '38', 'x-daily-ratelimit-token-remaining': '29490' })
      .get('/api/v2/deals/404040')
      .reply(404, fixture('error-not-found'), {
        'x-ratelimit-remaining': '37',
        'x-daily-ratelimit-token-remaining': '29480',
      });
    const crm = createPipedriveUnderTest([], { onExchange: crmExchangeRecorder(metrics) });

    await crm.getDeal('1');
    await crm.getDeal('1');
    await expect(crm.getDeal('404040')).rejects.toThrow();

    expect(await value(metrics, 'crmRequests', { crm: 'pipedrive', endpoint: '/api/v2/deals/:id', method: 'GET', status: '200' })).toBe(2);
    expect(await value(metrics, 'crmRequests', { status: 'error' })).toBeUndefined();
    expect(await value(metrics, 'crmRequests', { crm: 'pipedrive', endpoint: '/api/v2/deals/:id', method: 'GET', status: '404' })).toBe(1);
    // No raw id ever becomes a label.
    const labels = (await metrics.crmRequests.get()).values.map((v) => String(v.labels.endpoint));
    expect(labels.some((l) => /\d/.test(l.replace('/v2/', '')))).toBe(false);
    expect(await value(metrics, 'crmRateLimitRemaining', { crm: 'pipedrive' })).toBe(37);
    expect(await value(metrics, 'crmDailyBudgetLeft', { crm: 'pipedrive' })).toBe(29480);
    expect(await value(metrics, 'crmBudgetSpent', { crm: 'pipedrive' })).toBe(20);
  });

  it('falls back to x-daily-requests-left, counts a request with no answer as status "error", and takes a rise of the budget as the daily reset, not spending', () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const record = crmExchangeRecorder(metrics);
    const answer = (left: string) => new Headers({ 'x-daily-requests-left': left });
    record({ crm: 'Pipedrive', method: 'POST', endpoint: '/api/v2/deals', status: 201, ms: 120, headers: answer('9999') });
    record({ crm: 'Pipedrive', method: 'POST', endpoint: '/api/v2/deals', status: null, ms: 8000, headers: null });
    record({ crm: 'Pipedrive', method: 'POST', endpoint: '/api/v2/deals', status: 201, ms: 90, headers: answer('9997') });
    record({ crm: 'Pipedrive', method: 'POST', endpoint: '/api/v2/deals', status: 201, ms: 90, headers: answer('10000') });

    return Promise.all([
      value(metrics, 'crmRequests', { status: 'error' }),
      value(metrics, 'crmRequests', { status: '201' }),
      value(metrics, 'crmDailyBudgetLeft', { crm: 'pipedrive' }),
      value(metrics, 'crmBudgetSpent', { crm: 'pipedrive' }),
    ]).then(([errors, created, left, spent]) => {
      expect({ errors, created, left, spent }).toEqual({ errors: 1, created: 3, left: 10000, spent: 2 });
    });
  });
});

describe('digest metrics', () => {
  it('count scheduled slots by outcome and observe the lag of the posted ones', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const onSlot = digestSlotRecorder(metrics);
    onSlot({ result: 'posted' }, 4_000);
    onSlot({ result: 'posted' }, 90_000);
    onSlot({ result: 'elsewhere' }, 100);
    onSlot({ result: 'retry' }, 100);

    expect(await value(metrics, 'digestPosts', { outcome: 'posted' })).toBe(2);
    expect(await value(metrics, 'digestPosts', { outcome: 'elsewhere' })).toBe(1);
    const lag = (await metrics.schedulerLagSeconds.get()).values;
    expect(lag.find((v) => v.metricName === 'dealbot_digest_lag_seconds_count')?.value).toBe(2);
    expect(lag.find((v) => v.metricName === 'dealbot_digest_lag_seconds_sum')?.value).toBe(94);
    expect(lag.find((v) => v.metricName === 'dealbot_digest_lag_seconds_bucket' && v.labels.le === 5)?.value).toBe(1);
  });
});

describe('claim conflict metrics', () => {
  it('count a claim someone else holds, by what the claim is for, and a lock not obtained in time', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const store = instrumentStore(await createStore('memory://'), metrics);
    try {
      expect(await store.claim('slack:T1:idem:create:abc', 60_000, 'first')).toBe(true);
      expect(await store.claim('slack:T1:idem:create:abc', 60_000, 'second')).toBe(false);
      expect(await store.claim('slack:T1:delivery:-:T1:command:trig', 60_000)).toBe(true);
      expect(await store.claim('slack:T1:delivery:-:T1:command:trig', 60_000)).toBe(false);
      const held = store.withLock('deal:1', () => new Promise((resolve) => setTimeout(resolve, 200)));
      await expect(store.withLock('deal:1', async () => 'never', { waitMs: 20 })).rejects.toBeInstanceOf(LockTimeoutError);
      await held;

      expect(await value(metrics, 'claimConflicts', { kind: 'idempotency' })).toBe(1);
      expect(await value(metrics, 'claimConflicts', { kind: 'replay' })).toBe(1);
      expect(await value(metrics, 'claimConflicts', { kind: 'lock' })).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('names kinds from a fixed set, whatever the key', () => {
    expect(claimKind('slack:E123:digest:claim:s1:2026-11-16T09:00:00.000Z')).toBe('digest');
    expect(claimKind('console:undo:42:used')).toBe('undo');
    expect(claimKind('crm:local:something:123')).toBe('other');
  });
});
