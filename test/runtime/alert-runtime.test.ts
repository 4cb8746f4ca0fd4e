// The alert runtime as a bot runs it: the real Web API client talking to the Slack stand-in
// (strict like Slack: its errors, its 429 with Retry-After, its Block Kit checks), messages
// drawn from the embedded CRM's names, and the delivery loop on a hand-driven clock whose
// timers the test fires. Pace is measured on that clock.

import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackApiStandin, type SlackApiStandin, type StandinCall } from '../../src/console/slack-api-standin.js';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { ensureSeeded } from '../../src/crm/local/seed.js';
import { createAlertRuntime, type AlertRuntime } from '../../src/runtime/alert-runtime.js';
import { createAlertStore } from '../../src/store/alert-store.js';
import { createStore } from '../../src/store/create-store.js';
import { scopeStore } from '../../src/store/scoped-store.js';
import type { Store } from '../../src/store/store.js';
import { displayedText, mrkdwnTexts } from '../helpers/block-kit-limits.js';
import { alertSubscription, createClock, dealEvent, saveSubscriptions, silentLogger, type Clock } from '../services/alert-harness.js';

const WORKSPACE = 'slack:T0CONSOLE';
const T0 = DateTime.fromISO('2026-03-09T08:00:00Z', { zone: 'utc' });

interface Rig {
  standin: SlackApiStandin;
  store: Store;
  clock: Clock;
  runtime: AlertRuntime;
  /** The clock's time of each chat.postMessage the stand-in answered. */
  posts: Array<{ call: StandinCall; at: DateTime }>;
  /** Moves the clock to the loop's next wake-up and runs that pass. */
  wake(): Promise<void>;
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) {
    await rig.runtime.stop();
    await rig.standin.close();
    await rig.store.close();
  }
});

async function setUp(...subscriptions: Parameters<typeof alertSubscription>[]): Promise<Rig> {
  const standin = await startSlackApiStandin({ users: [{ id: 'U0ADA', name: 'ada' }], channels: [{ id: 'C0SALES', name: 'sales' }] });
  const store = await createStore('memory://');
  const crm = createLocalCrm({ store });
  await ensureSeeded(crm, store, { now: T0 });
  const clock = createClock(T0);
  const timers: Array<{ fn: () => void; ms: number; cleared: boolean }> = [];
  const runtime = createAlertRuntime({
    store,
    workspace: WORKSPACE,
    crm,
    logger: silentLogger,
    token: 'xoxb-alerts',
    slackApiUrl: standin.url,
    pollSeconds: 0,
    watch: false,
    now: clock.now,
    setTimer: (fn, ms) => {
      const timer = { fn, ms, cleared: false };
      timers.push(timer);
      return timer;
    },
    clearTimer: (handle) => {
      (handle as { cleared: boolean }).cleared = true;
    },
    every: () => () => undefined,
  });
  await saveSubscriptions(scopeStore(store, WORKSPACE), ...subscriptions.map((args) => alertSubscription(...args)));
  const posts: Rig['posts'] = [];
  standin.on('call', (call) => {
    if (call.method === 'chat.postMessage' && call.result.ok) posts.push({ call, at: clock.now() });
  });
  const rig: Rig = {
    standin,
    store,
    clock,
    runtime,
    posts,
    async wake() {
      const timer = timers.filter((t) => !t.cleared).at(-1);
      if (!timer) throw new Error('the loop armed no timer');
      timer.cleared = true;
      clock.advance({ milliseconds: timer.ms });
      await runtime.tick();
    },
  };
  rigs.push(rig);
  return rig;
}

const seen = (call: StandinCall): string =>
  mrkdwnTexts(call.args.blocks)
    .map((t) => displayedText(t).replace(/\*/g, ''))
    .join('\n');

describe('alerts through the Web API', () => {
  it('posts each change with the CRM’s names, never faster than one a second, then sleeps', async () => {
    const rig = await setUp(['all', {}]);
    rig.runtime.start();
    await rig.runtime.enqueue([
      dealEvent('4', { kind: 'moved', fromStageId: '1', toStageId: '3' }, { deal: { title: 'Tailspin Toys webshop' } }),
      dealEvent('9', { kind: 'won' }),
      dealEvent('11', { kind: 'lost', lostReason: 'Budget' }),
    ]);
    for (let i = 0; i < 12 && rig.posts.length < 3; i += 1) await rig.wake();
    expect(rig.posts.map((p) => p.call.args.channel)).toEqual(['C0SALES', 'C0SALES', 'C0SALES']);
    expect(seen(rig.posts[0]!.call)).toContain('Tailspin Toys webshop moved — €1,000: Qualified → Proposal');
    expect(seen(rig.posts[2]!.call)).toContain('Deal 11 was lost — €1,000: Budget');
    const gaps = rig.posts.slice(1).map((p, i) => p.at.toMillis() - rig.posts[i]!.at.toMillis());
    expect(gaps.every((gap) => gap >= 1_000)).toBe(true);
    // Nothing left: the loop sleeps its longest.
    await rig.wake();
    await rig.wake();
    expect(rig.posts).toHaveLength(3);
  });

  it('waits out Slack’s 429 for its Retry-After, then posts once', async () => {
    const rig = await setUp(['all', {}]);
    rig.standin.failNext('chat.postMessage', 'ratelimited', { retryAfterSeconds: 3 });
    await rig.runtime.enqueue([dealEvent('9', { kind: 'won' })]);
    expect(await rig.runtime.tick()).toEqual([{ target: 'channel:C0SALES', result: 'retry', code: 'ratelimited' }]);
    rig.clock.advance({ milliseconds: 2_999 });
    expect(await rig.runtime.tick()).toEqual([]);
    rig.clock.advance({ milliseconds: 1 });
    expect(await rig.runtime.tick()).toEqual([{ target: 'channel:C0SALES', result: 'sent' }]);
    expect(rig.posts).toHaveLength(1);
  });

  it('replies in a deal’s thread and updates its card in place', async () => {
    const rig = await setUp(['threads', { threadPerDeal: true }]);
    await rig.runtime.enqueue([dealEvent('4', { kind: 'created' }, { deal: { title: 'Tailspin Toys webshop' } })]);
    await rig.runtime.tick();
    rig.clock.advance({ seconds: 1 });
    await rig.runtime.enqueue([
      dealEvent('4', { kind: 'won' }, { deal: { title: 'Tailspin Toys webshop' }, actor: { slackUserId: 'U0ADA' } }),
    ]);
    await rig.runtime.tick();

    const [parent, reply] = rig.posts.map((p) => p.call);
    expect(parent!.args.thread_ts).toBeUndefined();
    expect(reply!.args.thread_ts).toBe(parent!.result.ts);
    expect(seen(reply!)).toContain('<@U0ADA> won Tailspin Toys webshop');
    const card = rig.standin.message('C0SALES', String(parent!.result.ts))!;
    const shown = mrkdwnTexts(card.blocks).map(displayedText).join('\n');
    expect(shown).toContain('🏆 Won');
    expect(shown).toContain('Latest: 🏆 <@U0ADA> won');
  });

  it('pauses the channel’s alerts when the bot was removed, and tells their author by DM', async () => {
    const rig = await setUp(['all', { createdBy: 'U0ADA' }]);
    rig.standin.failNext('chat.postMessage', 'not_in_channel');
    await rig.runtime.enqueue([dealEvent('9', { kind: 'won' })]);
    expect(await rig.runtime.tick()).toEqual([{ target: 'channel:C0SALES', result: 'paused', code: 'not_in_channel' }]);
    const dm = rig.posts.map((p) => p.call).find((c) => c.args.channel === 'U0ADA')!;
    expect(String(dm.args.text)).toContain('I paused the deal alerts you set in <#C0SALES>: Dealbot is not in the channel any more');
    expect((await createAlertStore(scopeStore(rig.store, WORKSPACE)).get('all'))?.paused).toBe(true);
  });
});
