// The replay guard alone: which deliveries share a key (replays) and which do not (two real
// gestures, a corrected resubmission), what a duplicate gets (an empty ack, no listener), and
// that a store outage does not silence the bot. End to end through Bolt: test/e2e/replays.test.ts.

import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createReplayGuard, deliveryKey } from '../../src/listeners/replay-guard.js';
import { StoreError } from '../../src/errors.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { blockActionPayload, slashCommandPayload, viewSubmissionPayload, textValue } from '../helpers/slack-payloads.js';

const logger = createLogger('silent');

describe('deliveryKey', () => {
  it('keys a command by its trigger_id', () => {
    const body = slashCommandPayload({ command: '/deal', text: 'won 4', triggerId: '1.2.abc' });
    expect(deliveryKey(body)).toBe('command:1.2.abc');
    expect(deliveryKey({ ...body, text: 'won 5' })).toBe('command:1.2.abc');
  });

  it('gives the same block action the same key, and a second click (new action_ts) another', () => {
    const click = blockActionPayload({ action: { action_id: 'deal_won', value: '4' }, message: { ts: '1.000001' } });
    const again = structuredClone(click);
    const second = blockActionPayload({ action: { action_id: 'deal_won', value: '4' }, message: { ts: '1.000001' } });
    (second.actions as Array<Record<string, unknown>>)[0]!.action_ts = '1999999999.000001';

    expect(deliveryKey(click)).toMatch(/^action:/);
    expect(deliveryKey(again)).toBe(deliveryKey(click));
    expect(deliveryKey(second)).not.toBe(deliveryKey(click));
  });

  it('keys a submission by view id, hash, trigger_id and values: pressing Submit again after field errors is new', () => {
    const view = { id: 'V1', hash: '1.abc', callback_id: 'lost' };
    const first = viewSubmissionPayload({ view, values: { reason: { reason: textValue('') } }, triggerId: '1.1.a' });
    const corrected = viewSubmissionPayload({ view, values: { reason: { reason: textValue('Budget cut') } }, triggerId: '1.1.a' });
    const pressedAgain = viewSubmissionPayload({ view, values: { reason: { reason: textValue('') } }, triggerId: '1.2.b' });

    expect(deliveryKey(first)).toMatch(/^view:V1:/);
    expect(deliveryKey(structuredClone(first))).toBe(deliveryKey(first));
    expect(deliveryKey(corrected)).not.toBe(deliveryKey(first));
    expect(deliveryKey(pressedAgain)).not.toBe(deliveryKey(first));
  });

  it('leaves requests that change nothing unkeyed', () => {
    expect(deliveryKey({ type: 'block_suggestion', value: 'acm' })).toBeNull();
    expect(deliveryKey({ type: 'view_closed', view: { id: 'V1', hash: 'h' } })).toBeNull();
    expect(deliveryKey({ type: 'event_callback', event: { type: 'app_home_opened' } })).toBeNull();
  });
});

describe('createReplayGuard', () => {
  async function run(store: Store, body: Record<string, unknown>) {
    const ack = vi.fn(async () => undefined);
    const next = vi.fn(async () => undefined);
    await createReplayGuard({ store, logger })({ body, context: { teamId: 'T1' }, ack, next } as never);
    return { ack, next };
  }

  it('lets the first delivery through and acks the replay with nothing, calling no listener', async () => {
    const store = await createStore('memory://');
    const body = slashCommandPayload({ command: '/deal', text: 'won 4', triggerId: '1.2.abc' });

    const first = await run(store, body);
    const replay = await run(store, structuredClone(body));

    expect(first.next).toHaveBeenCalledOnce();
    expect(first.ack).not.toHaveBeenCalled();
    expect(replay.next).not.toHaveBeenCalled();
    expect(replay.ack).toHaveBeenCalledExactlyOnceWith();
    await store.close();
  });

  it('keys per workspace: the same trigger_id in another team is not a replay', async () => {
    const store = await createStore('memory://');
    const body = slashCommandPayload({ command: '/deal', text: 'won 4', triggerId: '1.2.abc', teamId: 'T1' });
    await run(store, body);
    const ack = vi.fn(async () => undefined);
    const next = vi.fn(async () => undefined);
    await createReplayGuard({ store, logger })({ body: { ...body, team_id: 'T2' }, context: { teamId: 'T2' }, ack, next } as never);
    expect(next).toHaveBeenCalledOnce();
    await store.close();
  });

  it('keeps the key for longer than the five minutes Bolt accepts a signature for', async () => {
    const claims: Array<[string, number]> = [];
    const store = { claim: async (key: string, ttlMs: number) => (claims.push([key, ttlMs]), true) } as unknown as Store;
    await run(store, slashCommandPayload({ command: '/deal', text: 'won 4', triggerId: '1.2.abc' }));
    expect(claims).toHaveLength(1);
    expect(claims[0]![1]).toBeGreaterThan(10 * 60_000);
  });

  it('hands the delivery on when the store cannot record it, rather than answering nothing', async () => {
    const store = { claim: async () => Promise.reject(new StoreError('down')) } as unknown as Store;
    const { next, ack } = await run(store, slashCommandPayload({ command: '/deal', text: 'won 4' }));
    expect(next).toHaveBeenCalledOnce();
    expect(ack).not.toHaveBeenCalled();
  });
});
