// Forgetting a subcommand's handler fails the type check. The `@ts-expect-error` lines are
// the proof: `npm run typecheck` (part of `npm test`) fails if any of them stops being an
// error, i.e. if a handler map or the picker's op list stopped being exhaustive.

import { describe, expect, it } from 'vitest';
import type { DealbotContext } from '../../../src/listeners/context.js';
import type { Reply } from '../../../src/listeners/replies.js';
import { dealSubcommands, type DealSubcommand } from '../../../src/listeners/commands/deal.js';
import { dispatch, type HandlerMap } from '../../../src/listeners/commands/handler-map.js';
import { pipelineSubcommands, type PipelineSubcommand } from '../../../src/listeners/commands/pipeline.js';
import { readPendingAction } from '../../../src/listeners/action-values.js';
import { DEAL_SUBCOMMAND_HELP, type DealRef, type DealSubcommandKind } from '../../../src/parse/deal-command.js';
import type { PendingDealAction } from '../../../src/ui/deal-list.js';

type Args = [ctx: DealbotContext, reply: Reply, triggerId: string];

describe('command dispatch is exhaustive', () => {
  it('a /deal subcommand added to the grammar without a handler does not type-check', () => {
    type WithArchive = DealSubcommand | { kind: 'archive'; ref: DealRef };
    // @ts-expect-error Property 'archive' is missing: the new kind has no handler.
    const missing: HandlerMap<WithArchive, Args, Promise<void>> = dealSubcommands;
    expect(Object.keys(missing).sort()).toEqual([
      'alerts',
      'audit',
      'channel',
      'connect',
      'disconnect',
      'find',
      'link',
      'link-list',
      'lost',
      'move',
      'new',
      'reopen',
      'show',
      'timeline',
      'unlink',
      'won',
    ]);
  });

  it('a /deal subcommand added to the grammar without its help line does not type-check', () => {
    type WithArchive = DealSubcommandKind | 'archive';
    type Help = { readonly [K in WithArchive]: { readonly summary: string; readonly examples: readonly string[] } };
    // @ts-expect-error Property 'archive' is missing: the new kind has no line in /deal help.
    const missing: Help = DEAL_SUBCOMMAND_HELP;
    expect(Object.keys(missing)).toHaveLength(16);
  });

  it('a /pipeline subcommand added to the grammar without a handler does not type-check', () => {
    type WithForecast = PipelineSubcommand | { kind: 'forecast' };
    // @ts-expect-error Property 'forecast' is missing: the new kind has no handler.
    const missing: HandlerMap<WithForecast, Args, Promise<void>> = pipelineSubcommands;
    expect(Object.keys(missing).sort()).toEqual(['alerts', 'board', 'digest', 'timeline']);
  });

  it('a handler map with a kind left out does not type-check', () => {
    const handlers: HandlerMap<{ kind: 'a' } | { kind: 'b'; n: number }, [], string> = {
      a: () => 'a',
      b: (command) => `b${command.n}`,
    };
    // @ts-expect-error Property 'b' is missing.
    const partial: HandlerMap<{ kind: 'a' } | { kind: 'b'; n: number }, [], string> = { a: () => 'a' };
    expect(dispatch(handlers, { kind: 'b', n: 2 })).toBe('b2');
    expect(Object.keys(partial)).toEqual(['a']);
  });

  it("a picker's op is one of the /deal subcommands that act on a deal, read back through the schema", () => {
    // @ts-expect-error 'help' acts on no deal, so no picker can finish it.
    const help: PendingDealAction['op'] = 'help';
    expect(help).toBe('help');
    expect(readPendingAction(JSON.stringify({ op: 'timeline', dealId: '7' }), 'deal_pick')).toEqual({ op: 'timeline', dealId: '7' });
    expect(() => readPendingAction(JSON.stringify({ op: 'archive', dealId: '7' }), 'deal_pick')).toThrow(/did not write/);
  });
});
