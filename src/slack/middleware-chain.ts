// Several global middleware run as one Bolt middleware. Bolt calls each global middleware
// with a fresh copy of the request's arguments (an object spread of fifteen-odd fields) and
// a promise of its own; the five Dealbot runs before every listener cost that five times per
// request, before the ack. Chained here, each runs in order with the same arguments seen
// through a thin object whose only own field is its `next`.

import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';

// Bolt's bound for a custom context (`StringIndexed`, not exported by the package).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type BoltContext = Record<string, any>;

export function chainMiddleware<Context extends BoltContext>(
  ...steps: Array<Middleware<AnyMiddlewareArgs, Context>>
): Middleware<AnyMiddlewareArgs, Context> {
  return (args) => {
    const run = (index: number): Promise<void> => {
      const step = steps[index];
      if (!step) return args.next();
      // The step's own `next` on top of the shared arguments: a step that calls `next` late
      // (after an await) still moves on from where it stands.
      const own = Object.create(args) as typeof args;
      own.next = () => run(index + 1);
      return step(own);
    };
    return run(0);
  };
}
