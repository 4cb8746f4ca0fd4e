// Wraps any Bolt receiver (HTTP, Socket Mode, the console's) between it and the app: each
// request is counted and timed by kind, runs inside its request context (so every log line
// names the request id, team and user), and is tracked until its listeners finish so a
// shutdown can wait for it. A body that is not a JSON object never reaches Bolt.

import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { Logger } from '../logger.js';
import type { InFlight } from './in-flight.js';
import type { Metrics } from './metrics.js';
import { runInRequest } from './request-context.js';
import { slackRequestContext } from './slack-request.js';

export interface ReceiverInstruments {
  inFlight: InFlight;
  logger: Logger;
  metrics?: Metrics | null;
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

async function handle(app: App, event: ReceiverEvent, { inFlight, logger, metrics }: ReceiverInstruments): Promise<void> {
  if (!isSlackBody(event.body)) {
    logger.info({ bodyType: event.body === null ? 'null' : typeof event.body }, 'ignored a Slack request whose body is not an object');
    await event.ack();
    return;
  }
  const envelopeId = (event.customProperties as { envelopeId?: unknown } | undefined)?.envelopeId;
  const request = slackRequestContext(event.body, typeof envelopeId === 'string' ? envelopeId : undefined);
  const { kind } = request;
  const started = performance.now();
  metrics?.requests.inc({ kind });
  let acked = false;
  const ack: ReceiverEvent['ack'] = async (response?: unknown) => {
    await event.ack(response);
    if (acked) return;
    acked = true;
    metrics?.acks.inc({ kind });
    metrics?.ackSeconds.observe({ kind }, (performance.now() - started) / 1000);
  };
  metrics?.inFlight.inc();
  let outcome = 'ok';
  try {
    await runInRequest(request, () => inFlight.track(app.processEvent({ ...event, ack })));
  } catch (error) {
    outcome = 'error';
    throw error;
  } finally {
    metrics?.inFlight.dec();
    metrics?.listenerSeconds.observe({ kind, outcome }, (performance.now() - started) / 1000);
  }
}
