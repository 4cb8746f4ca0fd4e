import { App, type Receiver, type ReceiverEvent } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { createReplayGuard } from '../../src/listeners/replay-guard.js';
import { createLogger } from '../../src/logger.js';
import { AckFirstApp } from '../../src/runtime/ack-first-app.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { createWorkQueue, type WorkQueue } from '../../src/runtime/work-queue.js';
import { deferred } from '../helpers/deferred.js';

/** A receiver that does nothing: the tests hand the app its events themselves. */
function testReceiver(): Receiver {
  return { init: () => undefined, start: async () => undefined, stop: async () => undefined };
}

/**
 * An AckFirstApp on `queue` whose `app.error()` collects what it is given (the original error,
 * the body and the context), as Dealbot's extended handler sees them.
 */
function appOnQueue(queue: WorkQueue) {
  const app = new AckFirstApp({
    receiver: testReceiver(),
    afterAck: queue,
    token: 'xoxb-test',
    tokenVerificationEnabled: false,
    botId: 'B1',
    botUserId: 'UB1',
    extendedErrorHandler: true,
  });
  const errors: Array<{ error: unknown; body: unknown; context: Record<string, unknown> }> = [];
  app.error(async (args) => {
    const { error, body, context } = args as unknown as { error: { original?: unknown }; body: unknown; context: Record<string, unknown> };
    errors.push({ error: error.original ?? error, body, context });
  });
  return { app, errors };
}

function slashCommand(text: string, onAck: () => void): ReceiverEvent {
  return {
    body: {
      command: '/deal',
      text,
      team_id: 'T1',
      user_id: 'U1',
      channel_id: 'C1',
      response_url: 'https://hooks.slack.com/commands/T1/1/x',
      trigger_id: `trigger-${text}`,
      api_app_id: 'A1',
      token: 'verification',
    },
    ack: async () => onAck(),
  };
}

describe('AckFirstApp', () => {
  it('acks a request at once while earlier work holds every slot, and starts its work when a slot frees', async () => {
    // No waiting for a lull in arrivals (work-queue-arrivals.test.ts covers that): slots only.
    const queue = createWorkQueue({ concurrency: 1, quietMs: 0 });
    const { app } = appOnQueue(queue);
    const events: string[] = [];
    const firstWork = deferred();
    app.command('/deal', async ({ ack, command }) => {
      await ack();
      events.push(`work ${command.text} starts`);
      if (command.text === 'one') await firstWork.promise;
      events.push(`work ${command.text} ends`);
    });

    const acked = { one: deferred(), two: deferred() };
    const one = app.processEvent(slashCommand('one', () => acked.one.resolve()));
    await acked.one.promise;
    const two = app.processEvent(slashCommand('two', () => acked.two.resolve()));
    await acked.two.promise;
    // Both acked; the second's work waits for the one slot.
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['work one starts']);
    expect(queue).toMatchObject({ running: 1, waiting: 1 });

    firstWork.resolve();
    await Promise.all([one, two]);
    expect(events).toEqual(['work one starts', 'work one ends', 'work two starts', 'work two ends']);
    expect(queue).toMatchObject({ running: 0, waiting: 0 });
  });
});

describe('AckFirstApp lets Bolt go of a request at its ack', () => {
  function appWithErrors() {
    const queue = createWorkQueue({ concurrency: 1, quietMs: 0 });
    return { queue, ...appOnQueue(queue) };
  }

  it("finishes Bolt's processing (its middleware included) at the ack, while processEvent waits for the work", async () => {
    const { app } = appWithErrors();
    const events: string[] = [];
    app.use(async ({ next }) => {
      await next();
      events.push('middleware done');
    });
    const work = deferred();
    app.command('/deal', async ({ ack }) => {
      await ack();
      events.push('work starts');
      await work.promise;
      events.push('work ends');
    });
    let settled = false;
    const processing = app.processEvent(slashCommand('x', () => undefined)).then(() => void (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Bolt's chain returned at the ack (its frames are free), before the work even had its
    // slot; the listener is still at work.
    expect(events).toEqual(['middleware done', 'work starts']);
    expect(settled).toBe(false);
    work.resolve();
    await processing;
    expect(events).toEqual(['middleware done', 'work starts', 'work ends']);
  });

  it('hands a failure after the ack to app.error() once, with the body and context Bolt would give, and frees its slot', async () => {
    const { app, queue, errors } = appWithErrors();
    app.use(async ({ context, next }) => {
      context.marked = 'by middleware';
      await next();
    });
    app.command('/deal', async ({ ack }) => {
      await ack();
      await new Promise((resolve) => setImmediate(resolve));
      throw new RangeError('after the ack');
    });
    await app.processEvent(slashCommand('late', () => undefined));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toBeInstanceOf(RangeError);
    expect(errors[0]?.body).toMatchObject({ command: '/deal', text: 'late' });
    expect(errors[0]?.context).toMatchObject({ marked: 'by middleware', teamId: 'T1' });
    expect(queue).toMatchObject({ running: 0, waiting: 0 });
  });

  it('a failure before the ack goes through Bolt as before, once', async () => {
    const { app, queue, errors } = appWithErrors();
    app.command('/deal', async () => {
      throw new TypeError('before any ack');
    });
    let acked = false;
    await app.processEvent(slashCommand('early', () => void (acked = true)));
    expect(acked).toBe(false);
    expect(errors.map((e) => e.error)).toEqual([expect.any(TypeError)]);
    expect(queue).toMatchObject({ running: 0, waiting: 0 });
  });

  it('a listener that ends without acking ends its request (Bolt answers nothing, no slot is taken)', async () => {
    const { app, queue, errors } = appWithErrors();
    app.command('/deal', async () => undefined);
    await app.processEvent(slashCommand('silent', () => undefined));
    expect(errors).toEqual([]);
    expect(queue).toMatchObject({ running: 0, waiting: 0 });
  });
});

describe('AckFirstApp with the replay guard', () => {
  function guardedApp(store: Store) {
    const queue = createWorkQueue({ concurrency: 4 });
    const { app } = appOnQueue(queue);
    app.use(createReplayGuard({ store, logger: createLogger('silent') }));
    const work: string[] = [];
    app.command('/deal', async ({ ack, command }) => {
      await ack();
      work.push(command.text);
    });
    return { app, queue, work };
  }

  it('acks before the delivery is claimed in the store: no store round trip stands before the ack', async () => {
    const claimAsked = deferred();
    const claimAnswer = deferred<boolean>();
    const store = {
      claim: async () => {
        claimAsked.resolve();
        return claimAnswer.promise;
      },
    } as unknown as Store;
    const { app, queue, work } = guardedApp(store);
    const order: string[] = [];
    const acked = deferred();
    const done = app.processEvent(
      slashCommand('won 4', () => {
        order.push('ack');
        acked.resolve();
      }),
    );
    await acked.promise;
    await claimAsked.promise;
    order.push('claim asked');
    expect(work).toEqual([]);
    claimAnswer.resolve(true);
    await done;
    expect(order).toEqual(['ack', 'claim asked']);
    expect(work).toEqual(['won 4']);
    expect(queue).toMatchObject({ running: 0, waiting: 0 });
  });

  it('acks a replayed delivery and drops its work, freeing its slot', async () => {
    const store = await createStore('memory://');
    const { app, queue, work } = guardedApp(store);
    let acks = 0;
    await app.processEvent(slashCommand('won 4', () => (acks += 1)));
    await app.processEvent(slashCommand('won 4', () => (acks += 1)));
    expect({ acks, work }).toEqual({ acks: 2, work: ['won 4'] });
    expect(queue).toMatchObject({ running: 0, waiting: 0 });
    await queue.onIdle();
    await store.close();
  });

  it('hands the work on when the store cannot record the delivery', async () => {
    const store = { claim: async () => Promise.reject(new StoreError('down')) } as unknown as Store;
    const { app, work } = guardedApp(store);
    await app.processEvent(slashCommand('won 4', () => undefined));
    expect(work).toEqual(['won 4']);
  });
});

describe('createWorkQueue', () => {
  it('runs at most `concurrency` tasks at once, in arrival order, and says when it is idle', async () => {
    const queue = createWorkQueue({ concurrency: 2 });
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    let atOnce = 0;
    let most = 0;
    const tasks = gates.map((gate, i) =>
      queue.run(async () => {
        started.push(i);
        atOnce += 1;
        most = Math.max(most, atOnce);
        await gate.promise;
        atOnce -= 1;
        return i;
      }),
    );
    let idle = false;
    const onIdle = queue.onIdle().then(() => (idle = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    gates[1]?.resolve();
    gates[0]?.resolve();
    await Promise.all(tasks.slice(0, 2));
    gates[2]?.resolve();
    gates[3]?.resolve();
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3]);
    await onIdle;
    expect({ idle, most, started }).toEqual({ idle: true, most: 2, started: [0, 1, 2, 3] });
  });

  it('frees a slot when its task fails', async () => {
    const queue = createWorkQueue({ concurrency: 1 });
    await expect(queue.run(async () => Promise.reject(new RangeError('x')))).rejects.toBeInstanceOf(RangeError);
    expect(await queue.run(async () => 'next')).toBe('next');
    expect(queue.running).toBe(0);
  });
});

describe('AckFirstApp listener routing', () => {
  /**
   * The same listeners on a routed app and on Bolt's own App: each records which of its
   * listeners handled a request, so the routed app can be held to what Bolt alone does.
   */
  function register(app: App | AckFirstApp, handled: string[]) {
    const listener =
      (name: string) =>
      async ({ ack }: { ack?: () => Promise<void> }) => {
        handled.push(name);
        await ack?.();
      };
    app.command('/deal', listener('command /deal'));
    app.command(/^\/pipe/, listener('command /pipe*'));
    app.action('card_move', listener('action card_move'));
    app.action({ action_id: 'card_won' }, listener('action card_won'));
    app.action({ block_id: 'deal_actions' }, listener('action in deal_actions'));
    app.action(/^pick_/, listener('action pick_*'));
    app.view('create_deal', listener('view create_deal'));
    app.view({ callback_id: 'create_deal', type: 'view_closed' }, listener('view create_deal closed'));
    app.shortcut('new_deal', listener('shortcut new_deal'));
    app.options('deal_search', listener('options deal_search'));
    app.event('app_home_opened', listener('event app_home_opened'));
    app.event(/^user_/, listener('event user_*'));
  }
  const options = { token: 'xoxb-test', tokenVerificationEnabled: false, botId: 'B1', botUserId: 'UB1' };
  function apps() {
    const routed = {
      app: new AckFirstApp({ ...options, receiver: testReceiver(), afterAck: createWorkQueue({ concurrency: 4, quietMs: 0 }) }),
      handled: [] as string[],
    };
    const bolt = { app: new App({ ...options, receiver: testReceiver() }), handled: [] as string[] };
    register(routed.app, routed.handled);
    register(bolt.app, bolt.handled);
    return { routed, bolt };
  }

  const base = { team_id: 'T1', api_app_id: 'A1', token: 'verification' };
  const who = { user: { id: 'U1', team_id: 'T1' }, team: { id: 'T1' } };
  const action = (action_id: string, block_id = 'b1') => ({
    ...base,
    ...who,
    type: 'block_actions',
    actions: [{ action_id, block_id, type: 'button', action_ts: '1' }],
  });
  const view = (type: string) => ({ ...base, ...who, type, view: { id: 'V1', callback_id: 'create_deal', state: { values: {} } } });
  // [what, body, listeners Bolt is shown, listeners that handle it]
  const cases: Array<[string, Record<string, unknown>, number, string[]]> = [
    ['a command by name', { ...base, command: '/deal', text: '', user_id: 'U1', channel_id: 'C1' }, 2, ['command /deal']],
    ['a command by pattern', { ...base, command: '/pipeline', text: '', user_id: 'U1', channel_id: 'C1' }, 1, ['command /pipe*']],
    // Listeners named by block or by pattern are shown every action; Bolt's matchers decide.
    ['an action by id', action('card_move'), 3, ['action card_move']],
    ['an action in a block', action('card_won', 'deal_actions'), 3, ['action card_won', 'action in deal_actions']],
    ['an action by pattern', action('pick_stage'), 2, ['action pick_*']],
    ['an action nobody listens to', action('unknown'), 2, []],
    ['a view submission', view('view_submission'), 2, ['view create_deal']],
    ['a view closed', view('view_closed'), 2, ['view create_deal closed']],
    ['a shortcut', { ...base, ...who, type: 'shortcut', callback_id: 'new_deal', trigger_id: 't' }, 1, ['shortcut new_deal']],
    [
      'an options request',
      { ...base, ...who, type: 'block_suggestion', action_id: 'deal_search', block_id: 'b', value: 'ac' },
      1,
      ['options deal_search'],
    ],
    [
      'an event by type',
      { ...base, type: 'event_callback', event_id: 'Ev1', event: { type: 'app_home_opened', user: 'U1', tab: 'home' } },
      2,
      ['event app_home_opened'],
    ],
    [
      'an event by pattern',
      { ...base, type: 'event_callback', event_id: 'Ev2', event: { type: 'user_change', user: { id: 'U1' } } },
      1,
      ['event user_*'],
    ],
  ];

  it.each(cases)(
    '%s: Bolt is shown only listeners that could match, and the same ones handle it as without routing',
    async (_what, body, shown, expected) => {
      const { routed, bolt } = apps();
      expect(routed.app.listenersShown(body)).toBe(shown);
      await routed.app.processEvent({ body, ack: async () => undefined });
      await bolt.app.processEvent({ body, ack: async () => undefined });
      expect(bolt.handled).toEqual(expected);
      expect(routed.handled).toEqual(bolt.handled);
    },
  );

  it('a custom function (named by callback id, arriving as a function_executed event) is shown its events', () => {
    const { routed } = apps();
    routed.app.function('sync_deal', async () => undefined);
    const body = {
      ...base,
      type: 'event_callback',
      event: { type: 'function_executed', function: { callback_id: 'sync_deal' }, inputs: {} },
    };
    // The function's chain and the `user_*` pattern's (any event); not the app_home_opened one.
    expect(routed.app.listenersShown(body)).toBe(2);
  });

  it('middleware added after the listeners still runs before them', async () => {
    const { routed } = apps();
    const order: string[] = [];
    routed.app.use(async ({ next }) => {
      order.push('late middleware');
      await next();
      order.push(...routed.handled);
    });
    await routed.app.processEvent({ body: action('card_move'), ack: async () => undefined });
    expect(order).toEqual(['late middleware', 'action card_move']);
  });

  it('requests handled at the same time each reach their own listener', async () => {
    const { routed } = apps();
    await Promise.all([
      routed.app.processEvent({ body: action('card_move'), ack: async () => undefined }),
      routed.app.processEvent({
        body: { ...base, command: '/deal', text: '', user_id: 'U1', channel_id: 'C1' },
        ack: async () => undefined,
      }),
      routed.app.processEvent({ body: view('view_submission'), ack: async () => undefined }),
    ]);
    expect(routed.handled.sort()).toEqual(['action card_move', 'command /deal', 'view create_deal']);
  });
});
