// Several global middleware run as one Bolt middleware. Bolt calls each global middleware
// with a fresh copy of the request's arguments (an object spread of fifteen-odd fields) and
// a promise of its own; the five Dealbot runs before every listener cost that five times per
// request, before the ack. Chained here, each runs in order with the same arguments object,
// whose `next` is set to the step's own just before the step is called: a step moves on by
// calling it (now or after an await), and no later step can have replaced it by then, since
// later steps start only through it. Bolt hands each global middleware its own copy of the
// arguments, so nothing of Bolt's sees the change. (A copy per step would cost an object per
// step and request; a prototype per step, a hidden class per request as well.)

import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';

// Bolt's bound for a custom context (`StringIndexed`, not exported by the package).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type BoltContext = Record<string, any>;

export function chainMiddleware<Context extends BoltContext>(
  ...steps: Array<Middleware<AnyMiddlewareArgs, Context>>
): Middleware<AnyMiddlewareArgs, Context> {
  return (args) => {
    const listeners = args.next;
    const run = (index: number): Promise<void> => {
      const step = steps[index];
      if (!step) return listeners();
      args.next = () => run(index + 1);
      return step(args);
    };
    return run(0);
  };
}
