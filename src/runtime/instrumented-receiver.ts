// Wraps any Bolt receiver (HTTP, Socket Mode, the console's) between it and the app: each
// request is counted and timed by kind, gets a logger naming its request id, team and user
// (`context.requestLogger`, which the app logs through: `request-context.ts`), and is tracked
// until its listeners finish so a shutdown can wait for it. A body that is not a JSON object
// never reaches Bolt.
//
// With `releaseAtAck` (HTTP, Socket Mode) the receiver is told the request is done at its
// ack while its listeners run on here, counted and tracked as before: Bolt's HTTP receiver
// then lets go of the request and response objects (and the ack of their connection), which
// otherwise stay alive for as long as the work after the ack waits for its turn. A failure
// after the ack is logged here, as the receiver would. The console waits for the listeners
// (its prompt comes back once the answer is shown), so it is not released.

import { ReceiverMultipleAckError, type App, type Receiver, type ReceiverEvent } from '@slack/bolt';
import type { Logger } from '../logger.js';
import type { InFlight } from './in-flight.js';
import type { Metrics } from './metrics.js';
import { requestLogger } from './request-context.js';
import { slackRequestContext } from './slack-request.js';

export interface ReceiverInstruments {
  inFlight: InFlight;
  logger: Logger;
  metrics?: Metrics | null;
  /** Tell the receiver a request is done once it is acked (see above). */
  releaseAtAck?: boolean;
}

export function isSlackBody(body: unknown): body is Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body);
}

/** Makes `receiver` hand its events to the app through the instruments; returns the same receiver. */
export function instrumentReceiver<R extends Receiver>(receiver: R, instruments: ReceiverInstruments): R {
  const init = receiver.init.bind(receiver);
  receiver.init = (app: App) => {
    const processEvent = (event: ReceiverEvent) => handle(app, event, instruments);
    init({ processEvent } as unknown as App);
  };
  return receiver;
}

/** A second ack, refused as every receiver refuses it, once the first has let go of the receiver's own. */
const ackedAlready: ReceiverEvent['ack'] = () => Promise.reject(new ReceiverMultipleAckError());

function handle(app: App, event: ReceiverEvent, instruments: ReceiverInstruments): Promise<void> {
  const { metrics } = instruments;
  if (!isSlackBody(event.body)) {
    instruments.logger.info(
      { bodyType: event.body === null ? 'null' : typeof event.body },
      'ignored a Slack request whose body is not an object',
    );
    return event.ack();
  }
  const envelopeId = (event.customProperties as { envelopeId?: unknown } | undefined)?.envelopeId;
  const request = slackRequestContext(event.body, typeof envelopeId === 'string' ? envelopeId : undefined);
  const { kind } = request;
  const logger = requestLogger(instruments.logger, request);
  const started = performance.now();
  metrics?.requests.inc({ kind });
  // The receiver's own ack, dropped once used: it holds the HTTP request and response.
  const receiver = { ack: event.ack };
  let acked = false;
  let released: (() => void) | null = null;
  const releasedAtAck = instruments.releaseAtAck ? new Promise<void>((resolve) => (released = resolve)) : null;
  const ack: ReceiverEvent['ack'] = async (response?: unknown) => {
    await receiver.ack(response);
    if (acked) return;
    acked = true;
    receiver.ack = ackedAlready;
    released?.();
    metrics?.acks.inc({ kind });
    metrics?.ackSeconds.observe({ kind }, (performance.now() - started) / 1000);
  };
  const done = run(
    app,
    // Named fields, not spreads: a spread's object given another key gets a hidden class of its
    // own on Node 20 (listeners/context.ts).
    {
      body: event.body,
      ack,
      retryNum: event.retryNum,
      retryReason: event.retryReason,
      customProperties: event.customProperties ? { ...event.customProperties, requestLogger: logger } : { requestLogger: logger },
    },
    kind,
    instruments,
    started,
  );
  if (!releasedAtAck) return done;
  done.catch((error: unknown) => {
    // Before the ack the receiver hears of it (and answers Slack); after it, only this log does.
    if (acked) logger.error({ err: error }, 'a Slack request failed after its ack');
  });
  return Promise.race([done, releasedAtAck]);
}

async function run(
  app: App,
  event: ReceiverEvent,
  kind: string,
  { inFlight, metrics }: ReceiverInstruments,
  started: number,
): Promise<void> {
  metrics?.inFlight.inc();
  let outcome = 'ok';
  try {
    await inFlight.track(app.processEvent(event));
  } catch (error) {
    outcome = 'error';
    throw error;
  } finally {
    metrics?.inFlight.dec();
    metrics?.listenerSeconds.observe({ kind, outcome }, (performance.now() - started) / 1000);
  }
}
