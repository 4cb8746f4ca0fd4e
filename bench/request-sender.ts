// The bench's request sender, in a process of its own: it sends signed Slack requests with a
// given number in flight and times each until its HTTP answer (the ack). Timing from the
// bench's own process would also time that process's event loop, which serves the fake
// Pipedrive and the Slack stand-in: the work Dealbot does after its acks (CRM calls,
// views.update, replies) would slow the clock that times the acks, and a bare app, which
// calls nothing, would not pay that. Here only the sending is on this event loop.
// Forked by bench/ack-latency.ts through `startRequestSender`.

import { postSigned } from './signed-requests.js';

export interface SendOrder {
  id: number;
  url: string;
  secret: string;
  bodies: string[];
  concurrency: number;
}

export interface SendResult {
  id: number;
  /** Milliseconds to each answer, in the order of `bodies`; null: not a 200 (or no answer). */
  latencies: Array<number | null>;
}

async function send(order: SendOrder): Promise<SendResult> {
  const latencies: Array<number | null> = order.bodies.map(() => null);
  let next = 0;
  const worker = async () => {
    while (next < order.bodies.length) {
      const i = next++;
      const started = performance.now();
      try {
        const res = await postSigned({ url: order.url, secret: order.secret, body: order.bodies[i] ?? '' });
        await res.arrayBuffer();
        if (res.status === 200) latencies[i] = performance.now() - started;
      } catch {
        // stays null: counted as an error
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, order.concurrency) }, worker));
  return { id: order.id, latencies };
}

process.on('message', (order: SendOrder) => {
  void send(order).then((result) => process.send?.(result));
});
process.send?.({ ready: true });
process.on('disconnect', () => process.exit(0));
