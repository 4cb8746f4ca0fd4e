// Dealbot puts its own copy of Bolt's middleware runner in Bolt's place
// (src/slack/bolt-middleware-args.ts), building each middleware's arguments so V8 shares
// their hidden class. Here it is held to Bolt's own: the same arguments (keys, order,
// values), the same order of calls, `next()` twice refused with Bolt's error, and Bolt's App
// really calling it once an app is built.

import { createRequire } from 'node:module';
import type { Receiver, ReceiverEvent } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import {
  boltProcessMiddleware,
  processMiddleware,
  replaceable,
  useSharedShapeMiddlewareArgs,
} from '../../src/slack/bolt-middleware-args.js';
import { AckFirstApp } from '../../src/runtime/ack-first-app.js';
import { createWorkQueue } from '../../src/runtime/work-queue.js';

type Runner = NonNullable<typeof boltProcessMiddleware>;

/** Runs three middleware that record what they are given, then `last`. */
async function record(run: Runner) {
  const seen: Array<{ step: number; keys: string[]; values: Record<string, unknown> }> = [];
  const initialArgs = { body: { type: 'view_submission' }, payload: { id: 'V1' }, ack: async () => undefined, say: undefined };
  const context = { teamId: 'T1' };
  const client = { token: 'xoxb' };
  const logger = { info: () => undefined };
  const step = (n: number) => async (args: Record<string, unknown>) => {
    const { next, ...values } = args;
    seen.push({ step: n, keys: Object.keys(args), values });
    await (next as () => Promise<void>)();
  };
  let lastRan = false;
  await run([step(1), step(2), step(3)], initialArgs, context, client, logger, async () => void (lastRan = true));
  return { seen, lastRan, initialArgs, context, client, logger };
}

describe('Bolt’s middleware runner, replaced', () => {
  it('is the one this Bolt ships (an upgrade that changes it fails here, to be looked at again)', () => {
    expect(replaceable).toBe(true);
  });

  it('hands every middleware the arguments Bolt’s own would, in the same order, then runs the listener’s end', async () => {
    const ours = await record(processMiddleware);
    const bolts = await record(boltProcessMiddleware as Runner);
    expect(ours.seen.map((s) => s.step)).toEqual([1, 2, 3]);
    expect(ours.seen.map((s) => s.keys)).toEqual(bolts.seen.map((s) => s.keys));
    expect(ours.seen[0]?.keys).toEqual(['body', 'payload', 'ack', 'say', 'next', 'context', 'client', 'logger']);
    for (const s of ours.seen) {
      expect(s.values).toEqual({ ...ours.initialArgs, context: ours.context, client: ours.client, logger: ours.logger });
      expect(s.values.context).toBe(ours.context);
      expect(s.values.ack).toBe(ours.initialArgs.ack);
    }
    expect(ours.lastRan).toBe(true);
    expect(bolts.lastRan).toBe(true);
  });

  it('refuses a second next() as Bolt does, and passes a middleware’s failure up', async () => {
    const twice = async (args: Record<string, unknown>) => {
      const next = args.next as () => Promise<void>;
      await next();
      await next();
    };
    const noop = async () => undefined;
    const error = (run: Runner) =>
      run([twice, noop], {}, {}, {}, {}, noop).then(
        () => null,
        (e: Error) => e.message,
      );
    expect(await error(processMiddleware)).toBe('next() called multiple times');
    expect(await error(boltProcessMiddleware as Runner)).toBe('next() called multiple times');
    const failing = async () => {
      throw new Error('listener broke');
    };
    await expect(processMiddleware([failing], {}, {}, {}, {}, noop)).rejects.toThrow('listener broke');
  });

  it('is what Bolt’s App calls once a Dealbot app is built, and a request reaches its listener through it', async () => {
    let deliver!: (event: ReceiverEvent) => Promise<void>;
    const receiver: Receiver = {
      init: (app) => void (deliver = (event) => app.processEvent(event)),
      start: async () => undefined,
      stop: async () => undefined,
    };
    const app = new AckFirstApp({
      afterAck: createWorkQueue({ concurrency: 1, quietMs: 0 }),
      receiver,
      token: 'xoxb-test',
      tokenVerificationEnabled: false,
      botId: 'B1',
      botUserId: 'UB1',
    });
    const shipped = createRequire(import.meta.url)('@slack/bolt/dist/middleware/process.js') as { default: unknown };
    expect(shipped.default).toBe(processMiddleware);
    expect(useSharedShapeMiddlewareArgs()).toBe(true);

    const heard: string[] = [];
    app.use(async ({ body, next }) => {
      heard.push(`middleware ${(body as { command: string }).command}`);
      await next();
    });
    app.command('/deal', async ({ ack, command }) => {
      await ack();
      heard.push(`listener ${command.text}`);
    });
    let acked = false;
    await deliver({
      body: { command: '/deal', text: '42', team_id: 'T1', user_id: 'U1', channel_id: 'C1', trigger_id: 't1', api_app_id: 'A1' },
      ack: async () => void (acked = true),
    });
    expect(acked).toBe(true);
    expect(heard).toEqual(['middleware /deal', 'listener 42']);
  });
});
