// Exhaustive dispatch for a command grammar: one handler per kind of a tagged union, as a
// mapped type, so a kind added to the grammar (`parse/deal-command.ts`,
// `parse/pipeline-command.ts`) with no handler fails the type check instead of being acked
// with nothing at runtime.

/** One handler per `kind` of `C`; each receives its own variant of the union. */
export type HandlerMap<C extends { kind: string }, Args extends unknown[], R> = {
  [K in C['kind']]: (command: Extract<C, { kind: K }>, ...args: Args) => R;
};

/** Calls the handler of `command.kind`. */
export function dispatch<C extends { kind: string }, Args extends unknown[], R>(
  handlers: HandlerMap<C, Args, R>,
  command: C,
  ...args: Args
): R {
  // The map has a handler for every kind, typed for its variant; TypeScript cannot follow the correlation.
  const handler = handlers[command.kind as C['kind']] as (command: C, ...args: Args) => R;
  return handler(command, ...args);
}
