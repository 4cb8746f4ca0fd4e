// The Bolt app, with every listener's work after its ack put through a `WorkQueue`. Listeners
// stay as they are (`await ack()` then the work): the ack is answered at once, and the
// `await` returns when the queue grants the work a slot, which it holds until Bolt has
// finished with the request (listeners and `app.error()` included). A request that never
// acks (an unmatched one) takes no slot. Events, which Bolt acks itself, queue the same way.

import { App, type AppOptions, type ReceiverEvent } from '@slack/bolt';
import type { WorkQueue } from './work-queue.js';

// Bolt's own bound for a custom context (`StringIndexed`, not exported by the package).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type BoltContext = Record<string, any>;

export class AckFirstApp<Context extends BoltContext = BoltContext> extends App<Context> {
  readonly afterAck: WorkQueue;

  constructor(options: AppOptions & { afterAck: WorkQueue }) {
    const { afterAck, ...appOptions } = options;
    super(appOptions);
    this.afterAck = afterAck;
  }

  override async processEvent(event: ReceiverEvent): Promise<void> {
    let slot: Promise<() => void> | null = null;
    const queued: ReceiverEvent = {
      ...event,
      ack: async (response) => {
        await event.ack(response);
        // Only the first ack gets here (Bolt throws on a second one above): one slot per request.
        slot ??= this.afterAck.acquire();
        await slot;
      },
    };
    try {
      await super.processEvent(queued);
    } finally {
      // Released even when a listener did not wait for its ack to return.
      if (slot !== null) (await (slot as Promise<() => void>))();
    }
  }
}
