// Work done after an ack waits in the after-ack queue and is started later, from whichever
// request happened to free a slot. Its log lines must still name its own request (id, team,
// user), not the one that freed the slot; and a task run through the queue directly keeps the
// request that queued it.

import type { Receiver, ReceiverEvent } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { AckFirstApp } from '../../src/runtime/ack-first-app.js';
import { runInRequest, type RequestContext } from '../../src/runtime/request-context.js';
import { createWorkQueue } from '../../src/runtime/work-queue.js';
import { deferred } from '../helpers/deferred.js';

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

const request = (id: string): RequestContext => ({ requestId: id, team: 'T1', user: `U-${id}`, kind: 'command' });

function command(text: string): ReceiverEvent {
  return {
    body: { command: '/deal', text, team_id: 'T1', user_id: `U-${text}`, channel_id: 'C1', trigger_id: text, api_app_id: 'A1', token: 't' },
    ack: async () => undefined,
  };
}

describe('after-ack work keeps its request in its log lines', () => {
  it('names its own request id even when another request’s release started it', async () => {
    const { logger, lines } = capturingLogger();
    let app!: AckFirstApp;
    const receiver: Receiver = { init: (a) => void (app = a as AckFirstApp), start: async () => undefined, stop: async () => undefined };
    const queue = createWorkQueue({ concurrency: 1 });
    new AckFirstApp({ receiver, afterAck: queue, token: 'xoxb-test', tokenVerificationEnabled: false, botId: 'B1', botUserId: 'UB1' });
    const holdFirst = deferred();
    const firstStarted = deferred();
    app.command('/deal', async ({ ack, command: cmd }) => {
      await ack();
      logger.info({ text: cmd.text }, 'work after the ack');
      if (cmd.text === 'r1') {
        firstStarted.resolve();
        await holdFirst.promise;
      }
    });

    const first = runInRequest(request('r1'), () => app.processEvent(command('r1')));
    const second = runInRequest(request('r2'), () => app.processEvent(command('r2')));
    await firstStarted.promise;
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue).toMatchObject({ running: 1, waiting: 1 });
    // r1's release grants r2 its slot.
    holdFirst.resolve();
    await Promise.all([first, second]);

    expect(lines.map((l) => [l.text, l.requestId, l.user])).toEqual([
      ['r1', 'r1', 'U-r1'],
      ['r2', 'r2', 'U-r2'],
    ]);
  });

  it('runs a queued task in the request that queued it, not the one that freed the slot', async () => {
    const { logger, lines } = capturingLogger();
    const queue = createWorkQueue({ concurrency: 1 });
    const gate = deferred();
    const holder = runInRequest(request('holder'), () => queue.run(() => gate.promise));
    const queued = runInRequest(request('queued'), () => queue.run(async () => logger.info('queued task runs')));
    await new Promise((resolve) => setImmediate(resolve));
    runInRequest(request('releaser'), () => gate.resolve());
    await Promise.all([holder, queued]);
    expect(lines.map((l) => l.requestId)).toEqual(['queued']);
  });
});
