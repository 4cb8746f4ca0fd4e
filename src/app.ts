// createApp(deps): the Bolt app every mode runs — Socket Mode, HTTP and the console differ
// only in the receiver and where the Web API lives. A global middleware puts the CRM
// client for the workspace and the services on the context; listener errors flow to
// one `app.error()` handler.

import { type App, LogLevel, type Receiver } from '@slack/bolt';
import { chainMiddleware } from './slack/middleware-chain.js';
import type { Logger as BoltLogger } from '@slack/bolt';
import { DateTime } from 'luxon';
import type { CrmClient } from './crm/port.js';
import type { Scheduler } from './runtime/scheduler.js';
import type { Logger } from './logger.js';
import { requestLogger } from './runtime/request-context.js';
import { slackRequestContext } from './runtime/slack-request.js';
import { dealbotContextShape, lazyObject, type DealbotContext } from './listeners/context.js';
import { createErrorHandler } from './listeners/error-handler.js';
import { registerListeners } from './listeners/index.js';
import { createReplayGuard } from './listeners/replay-guard.js';
import { DEFAULT_UNFURL_DOMAINS } from './parse/deal-link.js';
import { createActingAs } from './listeners/acting-as.js';
import type { PersonalCrms } from './services/personal-credentials.js';
import { vaultKeysFrom } from './store/credential-vault.js';
import { createAccessGuard } from './listeners/access-guard.js';
import { createInstallationGuard, type Installation } from './listeners/installation-guard.js';
import { DEFAULT_ACCESS_SETTINGS, type AccessSettings } from './services/access-policy.js';
import { AckFirstApp } from './runtime/ack-first-app.js';
import { createWorkQueue, type WorkQueue } from './runtime/work-queue.js';
import { createDealService } from './services/deal-service.js';
import { createSlackPeople } from './services/slack-people.js';
import { scopeStore } from './store/scoped-store.js';
import type { Store } from './store/store.js';
import { workspaceNamespace } from './store/workspace-namespace.js';

export interface AppDeps {
  store: Store;
  logger: Logger;
  /** The CRM client of a workspace. One workspace today; an install store can plug in here. */
  crmForTeam: (teamId: string | null) => CrmClient;
  receiver: Receiver;
  token: string;
  /** Base of the Web API, e.g. `http://127.0.0.1:4000/api/`; Slack's own when absent. */
  slackApiUrl?: string | null;
  /** Call `auth.test` at start (off for the console, whose token is not real). */
  tokenVerification?: boolean;
  /**
   * Who the token is, when already asked of Slack (`runtime/slack-identity.ts`): Bolt then
   * never calls `auth.test` itself (it would cache a failed answer for the process's life).
   */
  identity?: { botId: string; botUserId: string };
  now?: () => DateTime;
  /** The digest scheduler `/pipeline digest` talks to; absent, digests are unavailable. */
  digests?: Scheduler | null;
  /**
   * Whose Slack-side state the listeners read and write (`workspace-namespace.ts`): the bot
   * token's workspace, as the digest scheduler's, or the console's. Absent: the team (or
   * enterprise, for an org install) of each request.
   */
  workspace?: string;
  /**
   * The queue every listener's work after its ack goes through (`runtime/ack-first-app.ts`),
   * so acks stay ahead of work under load. Default: `AFTER_ACK_CONCURRENCY` at once.
   */
  afterAck?: WorkQueue;
  /**
   * The installation requests must belong to (app, team, org: `listeners/installation-guard.ts`);
   * absent, requests are not checked against one (some tests).
   */
  installation?: Installation | null;
  /** Who may do what (`services/access-policy.ts`); absent, the defaults. */
  access?: AccessSettings;
  /** `UNFURL_DOMAINS`: the domains whose deal links `link_shared` unfurls; absent, the manifest's defaults. */
  unfurlDomains?: readonly string[];
  /** `DEALBOT_SECRET_KEY`: personal CRM credentials are kept encrypted with it; absent or null, they are off. */
  secretKey?: string | null;
  /** Clients acting with a person's own CRM credential (`createPersonalCrms`); null for the embedded CRM. */
  personalCrms?: PersonalCrms | null;
}

/** Listener work running at once after acks; enough to keep CRM round trips overlapping. */
export const AFTER_ACK_CONCURRENCY = 16;

/** Bolt logs through our pino logger, so redaction and levels are the same everywhere. */
export function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'bolt' });
  // Bolt logs a debug line or two for every request: nothing is joined when the level is off.
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...msg: unknown[]) => {
      if (child.isLevelEnabled(level)) child[level](msg.map(String).join(' '));
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}

export function createApp(deps: AppDeps): App<DealbotContext> {
  const now = deps.now ?? (() => DateTime.utc());
  const app = new AckFirstApp<DealbotContext>({
    afterAck: deps.afterAck ?? createWorkQueue({ concurrency: AFTER_ACK_CONCURRENCY }),
    contextShape: dealbotContextShape,
    token: deps.token,
    receiver: deps.receiver,
    logger: boltLogger(deps.logger),
    clientOptions: {
      ...(deps.slackApiUrl ? { slackApiUrl: deps.slackApiUrl } : {}),
      // People are waiting and a trigger_id lives 3 s: fail fast and say so, rather than
      // sleep through a rate limit or retry a 5xx for minutes holding the listener.
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 2, factor: 2, minTimeout: 100, maxTimeout: 1000 },
    },
    ...(deps.identity ? { botId: deps.identity.botId, botUserId: deps.identity.botUserId } : {}),
    tokenVerificationEnabled: deps.identity ? false : (deps.tokenVerification ?? true),
    extendedErrorHandler: true,
    // Bolt's conversation store (a per-channel value in memory) is read on every request;
    // nothing in Dealbot keeps state there.
    convoStore: false,
  });
  // Slack-side state (people, idempotency keys, undo records, picker caches) belongs to a
  // workspace; the CRM was given the unscoped store, its deals being the CRM account's.
  const workspaces = new Map<string, { store: Store; people: ReturnType<typeof createSlackPeople> }>();
  const workspaceState = (namespace: string) => {
    let state = workspaces.get(namespace);
    if (!state) {
      const store = scopeStore(deps.store, namespace);
      state = { store, people: createSlackPeople(store) };
      workspaces.set(namespace, state);
    }
    return state;
  };

  /** A logger naming the request of `body`, for apps built without the instrumented receiver (which makes one per request). */
  const loggerFor = (body: Record<string, unknown>) => requestLogger(deps.logger, slackRequestContext(body));

  // Every request goes through these in order before any listener, as one Bolt middleware
  // (slack/middleware-chain.ts: one copy of the arguments instead of one per step).
  app.use(
    chainMiddleware<DealbotContext>(
      // Every line logged for the request names it (request id, team, user): the logger the
      // instrumented receiver made for it, or one made here (apps built without that receiver).
      ({ body, context, next }) => {
        const given = (context as { requestLogger?: Logger }).requestLogger;
        context.logger = given ?? loggerFor(body as Record<string, unknown>);
        return next();
      },
      // Then: a request for another app, workspace or org goes no further.
      ...(deps.installation ? [createInstallationGuard({ installation: deps.installation, logger: deps.logger })] : []),
      async ({ context, next }) => {
        const crm = deps.crmForTeam(context.teamId ?? null);
        const { store, people } = workspaceState(deps.workspace ?? workspaceNamespace(context));
        // One named store per field, not Object.assign: V8 counts assigned fields as keyed
        // stores, and past a dozen of those outside the object the context turns into a
        // dictionary (a hash table every later read and write goes through).
        context.crm = crm;
        context.crmName = crm.displayName;
        context.people = people;
        context.store = store;
        context.now = now;
        context.digests = deps.digests ?? null;
        context.unfurlDomains = deps.unfurlDomains ?? DEFAULT_UNFURL_DOMAINS;
        context.deals = lazyObject(() => createDealService(crm, store));
        await next();
      },
      // After the context (its workspace's store), before any listener: a replayed delivery
      // is acknowledged and dropped here, once for every surface.
      createReplayGuard({ logger: deps.logger }),
      // The one access check (issue #16): who is asking, what the surface needs, the channel's rule.
      createAccessGuard({
        settings: deps.access ?? DEFAULT_ACCESS_SETTINGS,
        installation: deps.installation ? { teamId: deps.installation.teamId, enterpriseId: deps.installation.enterpriseId } : null,
        logger: deps.logger,
      }),
      // After the access guard (who is asking): writes act as that person and are audited.
      createActingAs({
        personalCrms: deps.personalCrms ?? null,
        vaultKeys: deps.secretKey ? vaultKeysFrom(deps.secretKey) : null,
        logger: deps.logger,
      }),
    ),
  );
  registerListeners(app);
  app.error(
    createErrorHandler({
      logger: deps.logger,
      loggerFor,
      client: () => app.client,
    }),
  );
  return app;
}
