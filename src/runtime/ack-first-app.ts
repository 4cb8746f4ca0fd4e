// The Bolt app, with every listener's work after its ack put through a `WorkQueue`. Listeners
// stay as they are (`await ack()` then the work): the ack is answered at once, and the
// `await` returns when the queue grants the work a slot, which it holds until Bolt has
// finished with the request (listeners and `app.error()` included). A request that never
// acks (an unmatched one) takes no slot. Events, which Bolt acks itself, queue the same way.
// Middleware may register a check to run after the ack and before the work
// (slack/after-ack-check.ts): the replay guard claims the delivery there, so no store round
// trip stands between a request and its ack; a delivery already handled is acked and dropped.

import { App, type AppOptions, type ReceiverEvent } from '@slack/bolt';
import { withAfterAckCheck, type AfterAckCheck } from '../slack/after-ack-check.js';
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
    // Work already queued waits while requests keep arriving (`work-queue.ts`): acks first.
    this.afterAck.arrived();
    let slot: Promise<() => void> | null = null;
    let check: AfterAckCheck | null = null;
    let drop!: () => void;
    const dropped = new Promise<void>((resolve) => (drop = resolve));
    const ack = withAfterAckCheck(
      async (response?: Parameters<ReceiverEvent['ack']>[0]): Promise<void> => {
        await event.ack(response);
        // Only the first ack gets here (Bolt throws on a second one above): one slot per request.
        slot ??= this.afterAck.acquire();
        const release = await slot;
        const pending = check;
        check = null;
        if (pending && !(await pending())) {
          // Acknowledged, and its work is not to run: the listener stays parked on this ack
          // (nothing holds it, so it is collected) and Bolt's processing is let go of.
          release();
          drop();
          return new Promise<never>(() => undefined);
        }
      },
      (registered) => {
        // Several middleware may register (the replay guard, then the access guard): each
        // runs in turn, and the first that says no stops the work.
        const before = check;
        check = before ? async () => (await before()) && (await registered()) : registered;
      },
    );
    const queued: ReceiverEvent = { ...event, ack };
    try {
      await Promise.race([super.processEvent(queued), dropped]);
    } finally {
      // Released even when a listener did not wait for its ack to return.
      if (slot !== null) (await (slot as Promise<() => void>))();
    }
  }
}
