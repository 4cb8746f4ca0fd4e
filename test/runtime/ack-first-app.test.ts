import type { Receiver, ReceiverEvent } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { createReplayGuard } from '../../src/listeners/replay-guard.js';
import { createLogger } from '../../src/logger.js';
import { AckFirstApp } from '../../src/runtime/ack-first-app.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { createWorkQueue } from '../../src/runtime/work-queue.js';

/** A receiver that hands Bolt events as a test says, and nothing else. */
function testReceiver(): Receiver & { app: () => AckFirstApp } {
  let app: AckFirstApp | undefined;
  return {
    init: (a) => {
      app = a as AckFirstApp;
    },
    start: async () => undefined,
    stop: async () => undefined,
    app: () => {
      if (!app) throw new Error('not initialised');
      return app;
    },
  };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
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
    const receiver = testReceiver();
    // No waiting for a lull in arrivals (work-queue-arrivals.test.ts covers that): slots only.
    const queue = createWorkQueue({ concurrency: 1, quietMs: 0 });
    const app = new AckFirstApp({
      receiver,
      afterAck: queue,
      token: 'xoxb-test',
      tokenVerificationEnabled: false,
      botId: 'B1',
      botUserId: 'UB1',
    });
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

  it('frees the slot when a listener throws after its ack, and the error still reaches app.error()', async () => {
    const receiver = testReceiver();
    const queue = createWorkQueue({ concurrency: 1 });
    const app = new AckFirstApp({
      receiver,
      afterAck: queue,
      token: 'xoxb-test',
      tokenVerificationEnabled: false,
      botId: 'B1',
      botUserId: 'UB1',
      extendedErrorHandler: true,
    });
    const errors: unknown[] = [];
    app.error(async (args) => {
      const { error } = args as unknown as { error: { original?: unknown } };
      errors.push(error.original ?? error);
    });
    app.command('/deal', async ({ ack }) => {
      await ack();
      throw new RangeError('after the ack');
    });
    await app.processEvent(slashCommand('x', () => undefined));
    expect(errors).toEqual([expect.any(RangeError)]);
    expect(queue).toMatchObject({ running: 0, waiting: 0 });
    await queue.onIdle();
  });
});

describe('AckFirstApp with the replay guard', () => {
  function guardedApp(store: Store) {
    const queue = createWorkQueue({ concurrency: 4 });
    const app = new AckFirstApp({
      receiver: testReceiver(),
      afterAck: queue,
      token: 'xoxb-test',
      tokenVerificationEnabled: false,
      botId: 'B1',
      botUserId: 'UB1',
    });
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
