// A check that runs right after a listener's ack and before its work: middleware that runs
// ahead of the listeners (the replay guard) hands the app a store round trip it would
// otherwise make before the ack, so the ack never waits behind the store. The app
// (runtime/ack-first-app.ts) attaches the hook to the `ack` it gives Bolt; where it is absent
// (a plain Bolt app, a unit test's `ack`), the middleware does its check before the ack.

const HOOK = Symbol('dealbot.afterAckCheck');

/** Resolves false when the listener's work must not run (the request was already handled). */
export type AfterAckCheck = () => Promise<boolean>;

type Hooked = { [HOOK]?: (check: AfterAckCheck) => void };

/** Marks `ack` as one that runs a registered check after acknowledging. */
export function withAfterAckCheck<Ack extends (...args: never[]) => Promise<void>>(
  ack: Ack,
  register: (check: AfterAckCheck) => void,
): Ack {
  Object.defineProperty(ack, HOOK, { value: register });
  return ack;
}

/** Registers `check` to run after `ack`; false when this `ack` offers no such hook. */
export function checkAfterAck(ack: unknown, check: AfterAckCheck): boolean {
  const register = typeof ack === 'function' ? (ack as Hooked)[HOOK] : undefined;
  if (!register) return false;
  register(check);
  return true;
}
