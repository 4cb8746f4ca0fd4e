// Each request logs through a logger naming it (src/runtime/request-context.ts): the
// instrumented receiver makes one per request and the app puts it on `context.logger`.
// Work done after an ack waits in the after-ack queue and is started later, from whichever
// request happened to free a slot; its log lines must still name its own request (id, team,
// user), not the one that freed the slot. And an app built without the instrumented receiver
// (tests, tools) still names the request on its lines.

import type { Receiver, ReceiverEvent } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createErrorHandler } from '../../src/listeners/error-handler.js';
import type { WebClient } from '@slack/web-api';
import { requestLogger } from '../../src/runtime/request-context.js';
import { slackRequestContext } from '../../src/runtime/slack-request.js';
import type { DealbotContext } from '../../src/listeners/context.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { AckFirstApp } from '../../src/runtime/ack-first-app.js';
import { createInFlight } from '../../src/runtime/in-flight.js';
import { instrumentReceiver } from '../../src/runtime/instrumented-receiver.js';
import { createWorkQueue } from '../../src/runtime/work-queue.js';
import { createStore } from '../../src/store/create-store.js';
import { deferred } from '../helpers/deferred.js';
import { stubCrm } from '../helpers/stub-crm.js';

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

function command(id: string): ReceiverEvent {
  return {
    body: { command: '/deal', text: id, team_id: 'T1', user_id: `U-${id}`, channel_id: 'C1', trigger_id: id, api_app_id: 'A1', token: 't' },
    ack: async () => undefined,
  };
}

/** A receiver handing events to whatever `init` was given (the instruments, here). */
function fakeReceiver() {
  let deliver!: (event: ReceiverEvent) => Promise<void>;
  const receiver: Receiver = {
    init: (app) => void (deliver = (event) => app.processEvent(event)),
    start: async () => undefined,
    stop: async () => undefined,
  };
  return { receiver, deliver: (event: ReceiverEvent) => deliver(event) };
}

describe('a request’s log lines name it', () => {
  it('after the ack too, even when another request’s release started its work', async () => {
    const { logger, lines } = capturingLogger();
    const { receiver, deliver } = fakeReceiver();
    const inFlight = createInFlight();
    instrumentReceiver(receiver, { inFlight, logger });
    const queue = createWorkQueue({ concurrency: 1, quietMs: 0 });
    const app = new AckFirstApp({
      receiver,
      afterAck: queue,
      token: 'xoxb-test',
      tokenVerificationEnabled: false,
      botId: 'B1',
      botUserId: 'UB1',
    });
    const holdFirst = deferred();
    const firstStarted = deferred();
    app.command('/deal', async ({ ack, command: cmd, context }) => {
      const log = context.requestLogger as Logger;
      log.info({ text: cmd.text }, 'before the ack');
      await ack();
      log.info({ text: cmd.text }, 'work after the ack');
      if (cmd.text === 'r1') {
        firstStarted.resolve();
        await holdFirst.promise;
      }
    });

    const first = deliver(command('r1'));
    const second = deliver(command('r2'));
    await firstStarted.promise;
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue).toMatchObject({ running: 1, waiting: 1 });
    // r1's release grants r2 its slot.
    holdFirst.resolve();
    await Promise.all([first, second]);
    await inFlight.drain(1_000);

    expect(lines.map((l) => [l.msg, l.text, l.requestId, l.team, l.user])).toEqual([
      ['before the ack', 'r1', 'r1', 'T1', 'U-r1'],
      ['before the ack', 'r2', 'r2', 'T1', 'U-r2'],
      ['work after the ack', 'r1', 'r1', 'T1', 'U-r1'],
      ['work after the ack', 'r2', 'r2', 'T1', 'U-r2'],
    ]);
  });

  it('on the context of an app built without the instrumented receiver', async () => {
    const { logger, lines } = capturingLogger();
    const { receiver, deliver } = fakeReceiver();
    const app = createApp({
      store: await createStore('memory://'),
      logger,
      crmForTeam: () => stubCrm('after-ack-context.test', {}),
      receiver,
      token: 'xoxb-test',
      identity: { botId: 'B1', botUserId: 'UB1' },
    });
    const seen = deferred<DealbotContext>();
    app.use(async ({ context }) => seen.resolve(context as DealbotContext));
    void deliver(command('r9'));
    (await seen.promise).logger.info('from a listener');
    expect(lines.find((l) => l.msg === 'from a listener')).toMatchObject({ requestId: 'r9', team: 'T1', user: 'U-r9' });
  });

  it('in app.error(), also for a failure before the middleware that gives the context its logger', async () => {
    const { logger, lines } = capturingLogger();
    const handle = createErrorHandler({
      logger,
      loggerFor: (body) => requestLogger(logger, slackRequestContext(body)),
      client: () => ({}) as WebClient,
    });
    const body = { type: 'view_submission', trigger_id: 'r7', team: { id: 'T1' }, user: { id: 'U-r7' } };
    await handle({ error: new Error('authorize failed'), body, context: {} });
    const withLogger = { logger: requestLogger(logger, { requestId: 'r8', team: 'T1', user: 'U-r8', kind: 'view_submission' }) };
    await handle({ error: new Error('listener failed'), body, context: withLogger });
    expect(lines.map((l) => [l.msg, l.requestId, l.user])).toEqual([
      ['listener failed', 'r7', 'U-r7'],
      ['listener failed', 'r8', 'U-r8'],
    ]);
  });
});

describe('requestLogger', () => {
  const request = { requestId: 'r1', team: 'T1', user: 'U1', kind: 'command' };

  it('makes its child logger at the first line written, once, and not for a level the parent skips', () => {
    const { logger, lines } = capturingLogger();
    const children: unknown[] = [];
    const child = logger.child.bind(logger);
    logger.child = ((bindings: Record<string, unknown>) => {
      children.push(bindings);
      return child(bindings);
    }) as Logger['child'];
    const log = requestLogger(logger, request);
    log.debug('below the level');
    expect(children).toEqual([]);
    log.info({ deal: '42' }, 'first');
    log.warn('second');
    expect(children).toEqual([{ requestId: 'r1', team: 'T1', user: 'U1' }]);
    expect(lines.map((l) => [l.msg, l.requestId, l.team, l.user, l.deal, l.level])).toEqual([
      ['first', 'r1', 'T1', 'U1', '42', 30],
      ['second', 'r1', 'T1', 'U1', undefined, 40],
    ]);
  });

  it('behaves as the child for everything else: its own children, bindings, level checks, redaction', () => {
    const { logger, lines } = capturingLogger();
    const log = requestLogger(logger, request);
    expect(log.isLevelEnabled('debug')).toBe(false);
    expect(log.bindings()).toEqual({ app: 'dealbot', requestId: 'r1', team: 'T1', user: 'U1' });
    log.child({ component: 'crm' }).error({ config: { slackBotToken: 'xoxb-secret' } }, 'failed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'failed', requestId: 'r1', component: 'crm', config: { slackBotToken: '[redacted]' } });
  });
});
