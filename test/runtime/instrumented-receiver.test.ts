// The instruments between a receiver and the app (src/runtime/instrumented-receiver.ts): with
// `releaseAtAck` (HTTP, Socket Mode) the receiver hears a request is done at its ack, so it
// can let go of the HTTP request and response, while the work runs on, tracked for shutdown
// and timed; a failure after the ack is logged, one before it still reaches the receiver; a
// second ack is refused as the receivers refuse it. Without it (the console) the receiver
// waits for the listeners.

import { ReceiverMultipleAckError, type App, type Receiver, type ReceiverEvent } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createInFlight } from '../../src/runtime/in-flight.js';
import { instrumentReceiver } from '../../src/runtime/instrumented-receiver.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import { deferred } from '../helpers/deferred.js';

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

/** A receiver as Bolt's are: it hands the app each event and waits on `processEvent`. */
function fakeReceiver() {
  let processEvent: ((event: ReceiverEvent) => Promise<void>) | null = null;
  const receiver: Receiver = {
    init: (app) => void (processEvent = (event) => app.processEvent(event)),
    start: async () => undefined,
    stop: async () => undefined,
  };
  const deliver = (onAck: (response?: unknown) => void = () => undefined) => {
    let acks = 0;
    const event: ReceiverEvent = {
      body: { command: '/deal', text: '7', team_id: 'T1', user_id: 'U1', trigger_id: 'trigger-1', api_app_id: 'A1' },
      ack: async (response?: unknown) => {
        // As Bolt's HTTPResponseAck: the second ack throws.
        if ((acks += 1) > 1) throw new ReceiverMultipleAckError();
        onAck(response);
      },
    };
    if (!processEvent) throw new Error('not initialised');
    return processEvent(event);
  };
  return { receiver, deliver };
}

/** Stands in for the Bolt app: acks, then runs `work` (what a listener does after its ack). */
function appDoing(work: (ack: ReceiverEvent['ack']) => Promise<void>): App {
  return {
    processEvent: async (event: ReceiverEvent) => {
      await work(event.ack);
    },
  } as unknown as App;
}

function setUp(releaseAtAck: boolean, work: (ack: ReceiverEvent['ack']) => Promise<void>) {
  const { logger, lines } = capturingLogger();
  const inFlight = createInFlight();
  const metrics = createMetrics({ defaultMetrics: false });
  const { receiver, deliver } = fakeReceiver();
  instrumentReceiver(receiver, { inFlight, logger, metrics, releaseAtAck });
  receiver.init(appDoing(work));
  return { deliver, inFlight, metrics, lines };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('instrumentReceiver with releaseAtAck', () => {
  it('tells the receiver the request is done at its ack while the work runs on, tracked and timed', async () => {
    const work = deferred();
    const { deliver, inFlight, metrics } = setUp(true, async (ack) => {
      await ack({ response_action: 'clear' });
      await work.promise;
    });
    const answers: unknown[] = [];
    let released = false;
    const delivered = deliver((response) => answers.push(response)).then(() => void (released = true));
    await tick();
    expect(answers).toEqual([{ response_action: 'clear' }]);
    expect(released).toBe(true);
    expect(inFlight.size).toBe(1);
    await delivered;
    work.resolve();
    await inFlight.drain(1_000);
    expect(inFlight.size).toBe(0);
    const listener = (await metrics.registry.getSingleMetric('dealbot_listener_seconds')?.get())?.values ?? [];
    expect(listener.find((v) => (v as { metricName?: string }).metricName === 'dealbot_listener_seconds_count')).toMatchObject({
      labels: { kind: 'command', outcome: 'ok' },
      value: 1,
    });
  });

  it('logs a failure after the ack (the receiver has already answered Slack)', async () => {
    const { deliver, inFlight, lines } = setUp(true, async (ack) => {
      await ack();
      await tick();
      throw new RangeError('failed after the ack');
    });
    await deliver();
    await inFlight.drain(1_000);
    expect(lines).toEqual([expect.objectContaining({ level: 50, msg: 'a Slack request failed after its ack' })]);
    expect((lines[0]?.err as { message?: string }).message).toBe('failed after the ack');
  });

  it('a failure before the ack still reaches the receiver (which answers Slack), and is not logged twice', async () => {
    const { deliver, lines } = setUp(true, async () => {
      throw new TypeError('failed before the ack');
    });
    await expect(deliver()).rejects.toThrow('failed before the ack');
    await tick();
    expect(lines).toEqual([]);
  });

  it('refuses a second ack as the receivers do, though the receiver’s own ack was let go of', async () => {
    const second = deferred<unknown>();
    const answers: unknown[] = [];
    const { deliver, inFlight } = setUp(true, async (ack) => {
      await ack('first');
      second.resolve(await ack('second').catch((error: unknown) => error));
    });
    await deliver((response) => answers.push(response));
    await inFlight.drain(1_000);
    expect(await second.promise).toBeInstanceOf(ReceiverMultipleAckError);
    expect(answers).toEqual(['first']);
  });
});

describe('instrumentReceiver without releaseAtAck (the console)', () => {
  it('the receiver waits for the work after the ack', async () => {
    const work = deferred();
    const { deliver } = setUp(false, async (ack) => {
      await ack();
      await work.promise;
    });
    let done = false;
    const delivered = deliver().then(() => void (done = true));
    await tick();
    expect(done).toBe(false);
    work.resolve();
    await delivered;
    expect(done).toBe(true);
  });
});
