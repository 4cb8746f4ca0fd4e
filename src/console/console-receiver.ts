// A Bolt receiver with no network of its own: the console (and tests) hand it Slack
// payloads and get back what the app acknowledged with, which is how Slack itself learns a
// view_submission's `response_action` or a slash command's immediate reply. The app runs
// its real middleware and listeners through `app.processEvent`, as with HTTP or Socket Mode.

import { ReceiverMultipleAckError, type App, type Receiver, type ReceiverEvent } from '@slack/bolt';

export interface ConsoleDelivery {
  /** Whether a listener called `ack()`. Slack would report a timeout when it did not. */
  acked: boolean;
  /** What `ack()` was called with (undefined for a bare `ack()`). */
  response: unknown;
  /** Set when processing rejected (the app's error handler rethrew). */
  error?: unknown;
}

export interface DeliverOptions {
  retryNum?: number;
  retryReason?: string;
  customProperties?: Record<string, unknown>;
  /** Called the moment the app acknowledges, before its listener has finished. */
  onAck?: (response: unknown) => void;
}

export interface ConsoleReceiver extends Receiver {
  /** Runs the payload through the app; resolves once the app has finished with it. */
  deliver(body: Record<string, unknown>, options?: DeliverOptions): Promise<ConsoleDelivery>;
}

export class ConsoleReceiverNotReadyError extends Error {
  constructor() {
    super('The console receiver was given a payload before the Bolt app initialised it');
    this.name = 'ConsoleReceiverNotReadyError';
  }
}

export function createConsoleReceiver(): ConsoleReceiver {
  let app: App | undefined;

  return {
    init(boltApp: App) {
      app = boltApp;
    },
    // Nothing to listen on: payloads arrive through `deliver`.
    start: async () => undefined,
    stop: async () => undefined,

    async deliver(body, options = {}) {
      if (!app) throw new ConsoleReceiverNotReadyError();
      let acked = false;
      let response: unknown;
      const event: ReceiverEvent = {
        body,
        ack: async (ackResponse?: unknown) => {
          if (acked) throw new ReceiverMultipleAckError();
          acked = true;
          response = ackResponse;
          options.onAck?.(ackResponse);
        },
        ...(options.retryNum !== undefined ? { retryNum: options.retryNum } : {}),
        ...(options.retryReason !== undefined ? { retryReason: options.retryReason } : {}),
        ...(options.customProperties !== undefined ? { customProperties: options.customProperties } : {}),
      };
      try {
        await app.processEvent(event);
        return { acked, response };
      } catch (error) {
        return { acked, response, error };
      }
    },
  };
}
