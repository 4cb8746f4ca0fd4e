// Dealbot's global middleware run as one Bolt middleware (src/slack/middleware-chain.ts): in
// order, each seeing the same arguments, a step that calls `next` late (after an await, as
// the access guard does) moving on from where it stands, and a step that does not call it
// stopping the rest.

import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { chainMiddleware } from '../../src/slack/middleware-chain.js';

type Args = Parameters<Middleware<AnyMiddlewareArgs>>[0];

function run(chain: Middleware<AnyMiddlewareArgs>, seen: string[]) {
  const args = { body: { command: '/deal' }, context: {}, next: async () => void seen.push('listeners') } as unknown as Args;
  return chain(args);
}

describe('chainMiddleware', () => {
  it('runs the steps in order on the same arguments, late next() included, then the listeners', async () => {
    const seen: string[] = [];
    const chain = chainMiddleware(
      async ({ context, next }) => {
        seen.push('first');
        context.marked = true;
        await new Promise((resolve) => setImmediate(resolve));
        await next();
        seen.push('first, after the rest');
      },
      async ({ body, context, next }) => {
        seen.push(`second sees ${(body as { command: string }).command} and ${String(context.marked)}`);
        await next();
      },
    );
    await run(chain, seen);
    expect(seen).toEqual(['first', 'second sees /deal and true', 'listeners', 'first, after the rest']);
  });

  it('a step reading `next` from its arguments after an await still moves on from where it stands', async () => {
    const seen: string[] = [];
    const chain = chainMiddleware(
      async (args) => {
        await new Promise((resolve) => setImmediate(resolve));
        await args.next();
        seen.push('first, after the rest');
      },
      async (args) => {
        seen.push('second');
        await new Promise((resolve) => setImmediate(resolve));
        await args.next();
      },
    );
    await run(chain, seen);
    expect(seen).toEqual(['second', 'listeners', 'first, after the rest']);
  });

  it('a step that does not call next() stops the steps after it and the listeners', async () => {
    const seen: string[] = [];
    const chain = chainMiddleware(
      async () => void seen.push('refused'),
      async ({ next }) => {
        seen.push('never');
        await next();
      },
    );
    await run(chain, seen);
    expect(seen).toEqual(['refused']);
  });
});
