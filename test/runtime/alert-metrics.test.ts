// The alerts' Prometheus metrics move with what the runtime does: the alert runtime (real Web
// API client, the Slack stand-in, timers the test fires) counts its deliveries by outcome and
// its timed polls by result, and sets the outbox depth; the Pipedrive webhook route counts its
// answers by status. Read from the registry as /metrics serves it.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSlackApiStandin, type SlackApiStandin } from '../../src/console/slack-api-standin.js';
import type { Deal, Page } from '../../src/crm/port.js';
import { createLogger } from '../../src/logger.js';
import { createAlertRuntime, type AlertRuntime } from '../../src/runtime/alert-runtime.js';
import { alertRecorder, createMetrics, type Metrics } from '../../src/runtime/metrics.js';
import { createOpsServer, type OpsServer } from '../../src/runtime/ops-server.js';
import { createPipedriveWebhookHandler, PIPEDRIVE_WEBHOOK_PATH } from '../../src/runtime/pipedrive-webhook.js';
import { createReadiness } from '../../src/runtime/readiness.js';
import { createStore } from '../../src/store/create-store.js';
import { scopeStore } from '../../src/store/scoped-store.js';
import type { Store } from '../../src/store/store.js';
import { stubCrm } from '../helpers/stub-crm.js';
import { alertSubscription, createClock, dealEvent, saveSubscriptions } from '../services/alert-harness.js';

const WORKSPACE = 'slack:T0METRICS';
const T0 = DateTime.fromISO('2026-03-09T08:00:00Z', { zone: 'utc' });

const value = async (metrics: Metrics, name: 'alertDeliveries' | 'alertPolls' | 'webhookRequests' | 'alertOutbox', labels = {}) => {
  const values = (await metrics[name].get()).values;
  const found = values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k as keyof typeof v.labels] === l));
  return found?.value ?? 0;
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('alert metrics', () => {
  it('count deliveries by outcome, polls by result (a failed poll as error) and show the outbox depth', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const standin: SlackApiStandin = await startSlackApiStandin({ channels: [{ id: 'C0SALES', name: 'sales' }] });
    const store: Store = await createStore('memory://');
    cleanups.push(
      () => standin.close(),
      () => store.close(),
    );
    const clock = createClock(T0);
    const timers: Array<{ fn: () => void; fired: boolean; cleared: boolean }> = [];
    let polls = 0;
    const crm = stubCrm('alert metrics', {
      displayName: 'Pipedrive',
      listStages: async () => [],
      listPipelines: async () => [],
      listUsers: async () => [],
      listDeals: async (): Promise<Page<Deal>> => {
        polls += 1;
        if (polls === 2) throw new Error('the CRM is down');
        return { items: [], nextCursor: null };
      },
    });
    const runtime: AlertRuntime = createAlertRuntime({
      store,
      workspace: WORKSPACE,
      crm,
      logger: createLogger('silent'),
      token: 'xoxb-alerts',
      slackApiUrl: standin.url,
      pollSeconds: 60,
      now: clock.now,
      setTimer: (fn) => {
        const timer = { fn, fired: false, cleared: false };
        timers.push(timer);
        return timer;
      },
      clearTimer: (handle) => {
        (handle as { cleared: boolean }).cleared = true;
      },
      every: () => () => undefined,
      ...alertRecorder(metrics),
    });
    cleanups.push(() => runtime.stop());
    await saveSubscriptions(scopeStore(store, WORKSPACE), alertSubscription('S1'));
    /** Fires every timer set and not yet fired or cleared (the loop's and the watch's). */
    const fire = () => {
      for (const timer of timers.filter((t) => !t.fired && !t.cleared)) {
        timer.fired = true;
        timer.fn();
      }
    };

    runtime.start();
    fire(); // the first poll (the baseline) and the first delivery pass
    await vi.waitFor(async () => expect(await value(metrics, 'alertPolls', { result: 'baseline' })).toBe(1));
    fire(); // the next poll: the CRM fails
    await vi.waitFor(async () => expect(await value(metrics, 'alertPolls', { result: 'error' })).toBe(1));

    await runtime.enqueue([dealEvent('7', { kind: 'won' }), dealEvent('8', { kind: 'won' })]);
    await runtime.tick();
    // Two queued when the pass looked; the first sent.
    expect(await value(metrics, 'alertOutbox')).toBe(2);
    expect(await value(metrics, 'alertDeliveries', { outcome: 'sent' })).toBe(1);
    expect(standin.calls.filter((c) => c.method === 'chat.postMessage' && c.result.ok)).toHaveLength(1);

    // Slack refuses the next one for good: the subscription is paused, and counted so.
    standin.failNext('chat.postMessage', 'channel_not_found');
    clock.advance({ seconds: 2 });
    await runtime.tick();
    expect(await value(metrics, 'alertOutbox')).toBe(1);
    expect(await value(metrics, 'alertDeliveries', { outcome: 'paused' })).toBe(1);
    expect(await value(metrics, 'alertDeliveries', { outcome: 'sent' })).toBe(1);
  });

  it('count the Pipedrive webhook’s answers by status', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const store = scopeStore(await createStore('memory://'), 'T1');
    const handler = createPipedriveWebhookHandler({
      credentials: { user: 'pipedrive', password: 'secret' },
      store,
      logger: createLogger('silent'),
      read: () => ({ kind: 'ignored', eventId: 'e1', reason: 'not a deal' }),
      onAnswer: alertRecorder(metrics).onAnswer,
    });
    const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>([[PIPEDRIVE_WEBHOOK_PATH, handler]]);
    const ops: OpsServer = createOpsServer({ readiness: createReadiness(), logger: createLogger('silent'), routes });
    const base = `http://127.0.0.1:${await ops.listen(0, '127.0.0.1')}`;
    cleanups.push(() => ops.close());
    const post = (authorization: string | null) =>
      fetch(`${base}${PIPEDRIVE_WEBHOOK_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: '{}',
      });
    const good = `Basic ${Buffer.from('pipedrive:secret').toString('base64')}`;
    expect((await post(good)).status).toBe(200);
    expect((await post(null)).status).toBe(401);
    expect((await post(good)).status).toBe(200);
    await vi.waitFor(async () => expect(await value(metrics, 'webhookRequests', { status: '200' })).toBe(2));
    expect(await value(metrics, 'webhookRequests', { status: '401' })).toBe(1);
  });
});
