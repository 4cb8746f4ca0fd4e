// The Bolt app, with every listener's work after its ack put through a `WorkQueue`. Listeners
// stay as they are (`await ack()` then the work): the ack is answered at once, and the
// `await` returns when the queue grants the work a slot, which it holds until Bolt has
// finished with the request (listeners and `app.error()` included). A request that never
// acks (an unmatched one) takes no slot. Events, which Bolt acks itself, queue the same way.
// Middleware may register a check to run after the ack and before the work
// (slack/after-ack-check.ts): the replay guard claims the delivery there, so no store round
// trip stands between a request and its ack; a delivery already handled is acked and dropped.
//
// Bolt lets go of a request once its listener has acked: a listener's promise, as Bolt sees
// it, settles at the ack (or when the listener ends or fails before acking), and the listener
// runs on by itself; the app waits for it in `processEvent` and hands a failure after the ack
// to `app.error()` as Bolt would. A request parked for a slot then holds only its listener's
// own frame, not Bolt's dozen async frames and argument copies (about 20 KB a request, which
// a burst of 200 pushed through every scavenge and into the old generation).
//
// Listeners are routed before Bolt looks at them: Bolt hands every request to every
// registered listener's middleware chain in turn (copying the chain and spreading the
// arguments for each), which with Dealbot's 34 listeners was most of the time between a
// request's arrival and its ack. Each listener is filed at registration under its kind
// (command, action, view, shortcut, options, event) and, when registered with a plain string,
// its id; a request is shown only the listeners of its kind whose id is its own or who asked
// by pattern. Bolt's own matchers still decide among those, so routing never adds a match,
// it only skips listeners that could not have matched.

import { App, type AppOptions, type AuthorizeResult, type Middleware, type AnyMiddlewareArgs, type ReceiverEvent } from '@slack/bolt';
import { withAfterAckCheck, type AfterAckCheck } from '../slack/after-ack-check.js';
import { useSharedShapeMiddlewareArgs } from '../slack/bolt-middleware-args.js';
import type { WorkQueue } from './work-queue.js';

// Bolt's own bound for a custom context (`StringIndexed`, not exported by the package).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type BoltContext = Record<string, any>;

type Chain = Middleware<AnyMiddlewareArgs>[];
type Kind = 'command' | 'action' | 'view' | 'shortcut' | 'options' | 'event';
/** A listener's place in the routing: its kind, and its id when it named one (null: a pattern, any id). */
interface Route {
  kind: Kind;
  id: string | null;
}

/** What a request's listeners are up to, for letting Bolt go of them at their ack. */
interface Detaching {
  /** Resolves at the ack. */
  acked: Promise<void>;
  /** Listeners still running after Bolt stopped waiting for them. */
  detached: Promise<void>[];
  /** What `app.error()` is told of a failure after the ack (Bolt's own arguments). */
  context: BoltContext | null;
  body: unknown;
}

/** Kinds whose listeners ack themselves, and so can be let go of at the ack (Bolt acks events itself). */
const ACKED_BY_LISTENER = new Set<Kind>(['command', 'action', 'view', 'shortcut', 'options']);

/** Bolt's registration methods, and the kind of request each listens to. */
const REGISTRATIONS: Record<string, Kind> = {
  command: 'command',
  action: 'action',
  view: 'view',
  shortcut: 'shortcut',
  options: 'options',
  event: 'event',
  message: 'event',
  function: 'event',
};

/** The id a listener was registered for, when it is a plain string (or a constraint object's string id). */
function registeredId(method: string, first: unknown): string | null {
  if (method === 'message') return 'message';
  // A custom function is named by its callback id, but arrives as a `function_executed` event.
  if (method === 'function') return null;
  if (typeof first === 'string') return first;
  if (first === null || typeof first !== 'object' || first instanceof RegExp) return null;
  const key = method === 'action' || method === 'options' ? 'action_id' : 'callback_id';
  const value = (first as Record<string, unknown>)[key];
  return typeof value === 'string' && !(method === 'action' && 'block_id' in first && typeof first.block_id !== 'string') ? value : null;
}

/** What a request is, as Bolt tells kinds apart (`getTypeAndConversation`), and its id when it has one. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any of Slack's request bodies
function routeOf(body: any): Route | null {
  if (!body || typeof body !== 'object') return null;
  if (body.event !== undefined) return { kind: 'event', id: typeof body.event?.type === 'string' ? body.event.type : null };
  if (body.command !== undefined) return { kind: 'command', id: typeof body.command === 'string' ? body.command : null };
  if (body.name !== undefined || body.type === 'block_suggestion') {
    return { kind: 'options', id: typeof body.action_id === 'string' ? body.action_id : null };
  }
  if (body.actions !== undefined || body.type === 'dialog_submission') {
    // One action per block_actions request in practice; several (legacy attachments) are not routed.
    const only = Array.isArray(body.actions) && body.actions.length === 1 ? body.actions[0]?.action_id : undefined;
    return { kind: 'action', id: typeof only === 'string' ? only : null };
  }
  if (body.type === 'shortcut' || body.type === 'message_action') {
    return { kind: 'shortcut', id: typeof body.callback_id === 'string' ? body.callback_id : null };
  }
  if (body.type === 'view_submission' || body.type === 'view_closed') {
    return { kind: 'view', id: typeof body.view?.callback_id === 'string' ? body.view.callback_id : null };
  }
  return null;
}

export class AckFirstApp<Context extends BoltContext = BoltContext> extends App<Context> {
  readonly afterAck: WorkQueue;
  /** Every listener chain, in registration order (Bolt's `listeners`). */
  private readonly chains: Chain[] = [];
  private readonly routes = new WeakMap<Chain, Route>();
  /** The chains a route sees, worked out once per route. */
  private readonly routed = new Map<string, Chain[]>();
  /** Set by the last global middleware for the synchronous moment in which Bolt reads `listeners`. */
  private routing: Route | null = null;
  /** Requests in flight, by the `ack` their listeners are given. */
  private readonly detaching = new WeakMap<object, Detaching>();

  /**
   * `contextShape`: what Bolt's `authorize` answered, made into an object holding every key the
   * request's context will be given (listeners/context.ts says why: a context Bolt makes by a
   * spread gets a hidden class of its own for each key added later).
   */
  constructor(options: AppOptions & { afterAck: WorkQueue; contextShape?: (authorized: AuthorizeResult) => AuthorizeResult }) {
    const { afterAck, contextShape, ...appOptions } = options;
    super(appOptions);
    this.afterAck = afterAck;
    // Bolt's middleware arguments, built so V8 shares their hidden class (slack/bolt-middleware-args.ts).
    useSharedShapeMiddlewareArgs();
    // Bolt keeps its `authorize` (the token's, or the one given) as a field it calls per request.
    const bolt = this as unknown as { authorize?: (source: unknown, body: unknown) => Promise<AuthorizeResult> };
    const authorize = bolt.authorize;
    if (contextShape && authorize) bolt.authorize = async (source, body) => contextShape(await authorize(source, body));
    // Bolt keeps `listeners` as a field: an accessor in its place files and routes them.
    const chains = this.chains;
    Object.defineProperty(this, 'listeners', {
      configurable: true,
      get: () => (this.routing ? this.listenersFor(this.routing) : chains),
      set: (value: Chain[]) => chains.splice(0, chains.length, ...value),
    });
    const self = this as unknown as Record<string, (first: unknown, ...rest: unknown[]) => unknown>;
    for (const [method, kind] of Object.entries(REGISTRATIONS)) {
      const register = self[method]?.bind(this);
      if (!register) continue;
      self[method] = (first: unknown, ...rest: unknown[]) => {
        const before = chains.length;
        // The listener is the last function given; the ones before it are its middleware.
        const last = rest.length - 1;
        if (ACKED_BY_LISTENER.has(kind) && typeof rest[last] === 'function') {
          rest[last] = this.letGoAtAck(rest[last] as (args: AnyMiddlewareArgs) => Promise<void>);
        }
        const result = register(first, ...rest);
        for (const chain of chains.slice(before)) this.routes.set(chain, { kind, id: registeredId(method, first) });
        this.routed.clear();
        return result;
      };
    }
    // The router runs last of the global middleware (`use` keeps it there): Bolt reads
    // `listeners` synchronously inside the `next()` it calls.
    const middleware = (this as unknown as { middleware: Middleware<AnyMiddlewareArgs>[] }).middleware;
    const use = self.use?.bind(this);
    if (use) {
      self.use = (added: unknown) => {
        middleware.splice(middleware.indexOf(this.router), 1);
        use(added);
        middleware.push(this.router);
        return this;
      };
    }
    middleware.push(this.router);
  }

  private readonly router: Middleware<AnyMiddlewareArgs> = async ({ body, next }) => {
    this.routing = routeOf(body);
    const rest = next();
    this.routing = null;
    await rest;
  };

  /**
   * `listener` as Bolt sees it: done at its ack (or when it ends or fails before acking),
   * while it runs on; `processEvent` waits for the rest of it.
   */
  private letGoAtAck(listener: (args: AnyMiddlewareArgs) => Promise<void>) {
    return (args: AnyMiddlewareArgs & { ack?: unknown; context: BoltContext }): Promise<void> => {
      const request = args.ack ? this.detaching.get(args.ack) : undefined;
      if (!request) return listener(args);
      return new Promise<void>((resolve, reject) => {
        let settled = false;
        const running = listener(args);
        running.then(
          () => void (settled ||= (resolve(), true)),
          (error: unknown) => void (settled ||= (reject(error), true)),
        );
        void request.acked.then(() => {
          if (settled) return;
          settled = true;
          request.context = args.context;
          request.body = args.body;
          request.detached.push(running);
          resolve();
        });
      });
    };
  }

  /** How many listeners Bolt is shown for a request with `body` (all of them when it cannot be routed). */
  listenersShown(body: unknown): number {
    const route = routeOf(body);
    return route ? this.listenersFor(route).length : this.chains.length;
  }

  /** The chains of `route`'s kind registered for its id or for any id; chains of unknown kind always. */
  private listenersFor(route: Route): Chain[] {
    const key = `${route.kind}\u0000${route.id ?? ''}`;
    let found = this.routed.get(key);
    if (!found) {
      found = this.chains.filter((chain) => {
        const filed = this.routes.get(chain);
        if (!filed) return true;
        return filed.kind === route.kind && (filed.id === null || route.id === null || filed.id === route.id);
      });
      // Ids come from requests: only known ones are remembered, so the map stays small.
      if (route.id === null || found.some((chain) => this.routes.get(chain)?.id === route.id)) this.routed.set(key, found);
    }
    return found;
  }

  /** A listener failed after Bolt let go of it: to `app.error()`, with what Bolt would have given it. */
  private async reportLate(error: unknown, request: Detaching): Promise<void> {
    const bolt = this as unknown as {
      handleError(args: { error: unknown; logger: unknown; context: BoltContext; body: unknown }): Promise<void>;
    };
    await bolt.handleError({ error, logger: this.logger, context: request.context ?? {}, body: request.body });
  }

  override async processEvent(event: ReceiverEvent): Promise<void> {
    // Work already queued waits while requests keep arriving (`work-queue.ts`): acks first.
    this.afterAck.arrived();
    let slot: Promise<() => void> | null = null;
    let check: AfterAckCheck | null = null;
    let drop!: () => void;
    const dropped = new Promise<void>((resolve) => (drop = resolve));
    let acked!: () => void;
    const request: Detaching = { acked: new Promise<void>((resolve) => (acked = resolve)), detached: [], context: null, body: null };
    // After the ack, waiting for a slot: nothing here holds the ack's response (the listener's
    // parked frame would otherwise keep it, "Creating…" view and all, until its work runs).
    const afterAcked = async (): Promise<void> => {
      acked();
      // Only the first ack gets here (Bolt throws on a second one): one slot per request.
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
    };
    const ack = withAfterAckCheck(
      (response?: Parameters<ReceiverEvent['ack']>[0]): Promise<void> => event.ack(response).then(afterAcked),
      (registered) => {
        // Several middleware may register (the replay guard, then the access guard): each
        // runs in turn, and the first that says no stops the work.
        const before = check;
        check = before ? async () => (await before()) && (await registered()) : registered;
      },
    );
    this.detaching.set(ack, request);
    // Named fields, not `{ ...event, ack }`: an object made by a spread and then given a key
    // gets a hidden class of its own on Node 20 (listeners/context.ts), and Bolt reads this one.
    const queued: ReceiverEvent = {
      body: event.body,
      ack,
      retryNum: event.retryNum,
      retryReason: event.retryReason,
      customProperties: event.customProperties,
    };
    try {
      await Promise.race([super.processEvent(queued), dropped]);
      // Listeners Bolt let go of at their ack: their failures go where Bolt sends them.
      for (const running of request.detached) {
        await Promise.race([running.catch((error: unknown) => this.reportLate(error, request)), dropped]);
      }
    } finally {
      // Released even when a listener did not wait for its ack to return.
      if (slot !== null) (await (slot as Promise<() => void>))();
    }
  }
}
