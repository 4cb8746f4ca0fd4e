// Bolt's `processMiddleware` (`@slack/bolt/dist/middleware/process.js`) calls every
// middleware and listener with `{ ...initialArgs, next, context, client, logger }`. On Node 20
// an object made by a leading spread and then given keys gets a hidden class of its own each
// time (listeners/context.ts says more), so every arguments object Bolt made was a class of
// its own and every read of it (`body`, `ack`, `context`, …) in a middleware or listener
// missed V8's caches: about a fifth of the CPU a request spent before its ack. This puts the
// same function in its place with the arguments copied onto an empty object, whose hidden
// classes V8 shares: the same keys, in the same order, the same values, and a second `next()`
// throws as Bolt's does. Bolt's App reads the function from that module's exports on every
// request, so the replacement reaches it; if a Bolt release changes the function's shape it is
// left alone (a test says so).

import { createRequire } from 'node:module';

type Step = (args: Record<string, unknown>) => Promise<void>;
type ProcessMiddleware = (
  middleware: Step[],
  initialArgs: object,
  context: unknown,
  client: unknown,
  logger: unknown,
  last: () => Promise<void>,
) => Promise<void>;

/** Bolt's middleware runner, with the arguments built so V8 can share their hidden class. */
export const processMiddleware: ProcessMiddleware = async (middleware, initialArgs, context, client, logger, last) => {
  let lastCalled = -1;
  const invoke = async (index: number): Promise<void> => {
    if (lastCalled >= index) throw Error('next() called multiple times');
    if (index < middleware.length) {
      lastCalled = index;
      const args = Object.assign({}, initialArgs) as Record<string, unknown>;
      args.next = () => invoke(index + 1);
      args.context = context;
      args.client = client;
      args.logger = logger;
      return (middleware[index] as Step)(args);
    }
    return last();
  };
  return invoke(0);
};

const boltProcess = createRequire(import.meta.url)('@slack/bolt/dist/middleware/process.js') as { default?: unknown };

/** Bolt's own function, as the package ships it (kept for the test that compares the two). */
export const boltProcessMiddleware = boltProcess.default as ProcessMiddleware | undefined;

/** Whether Bolt's runner is the one this module knows (six arguments, its name): only then is it replaced. */
export const replaceable =
  typeof boltProcessMiddleware === 'function' && boltProcessMiddleware.name === 'processMiddleware' && boltProcessMiddleware.length === 6;

/** Puts `processMiddleware` in Bolt's place, once; true when Bolt now uses it. */
export function useSharedShapeMiddlewareArgs(): boolean {
  if (boltProcess.default === processMiddleware) return true;
  if (!replaceable) return false;
  boltProcess.default = processMiddleware;
  return true;
}
