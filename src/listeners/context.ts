// What every listener finds in Bolt's context, put there by the global middleware in
// `app.ts`: the CRM client for the workspace and the services built on it. A later
// multi-workspace install only changes how `crmForTeam` picks the client.

import type { AuthorizeResult } from '@slack/bolt';
import type { DateTime } from 'luxon';
import type { CrmClient } from '../crm/port.js';
import type { Scheduler } from '../runtime/scheduler.js';
import type { DealService } from '../services/deal-service.js';
import type { SlackPeople } from '../services/slack-people.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { Requester } from '../domain/requester.js';
import type { AccessSettings } from '../services/access-policy.js';
import type { ChannelRules } from '../services/channel-rules.js';
import type { RequesterDirectory } from '../services/requester-directory.js';
import type { AuditTrail } from '../services/audit-trail.js';
import type { CrmLinks } from '../services/crm-links.js';
import type { PersonalCrms } from '../services/personal-credentials.js';
import type { CredentialVault } from '../store/credential-vault.js';

export interface DealbotContext {
  [key: string]: unknown;
  crm: CrmClient;
  /**
   * The CRM's name for people ("Pipedrive"), for what is said before the ack: reading it from
   * `crm` would make the per-request client (acting-as.ts) before the ack for nothing.
   */
  crmName: string;
  deals: DealService;
  people: SlackPeople;
  store: Store;
  now: () => DateTime;
  /** The digest scheduler; null where digests are not running (some tests). */
  digests: Scheduler | null;
  /** `UNFURL_DOMAINS`: the domains whose deal links are unfurled. */
  unfurlDomains: readonly string[];
  /** For what a flow handles itself and goes on (a fallback, a step that may fail): never swallowed without a line. */
  logger: Logger;
  /**
   * Who is asking, put here by the access guard (`access-guard.ts`) once the policy allowed
   * the request; null when the request names nobody, or needs nothing and they were not known yet.
   */
  requester?: Requester | null;
  /** ALLOW_GUESTS, UNLINKED_USERS, CLOSE_DEALS, DEALBOT_ADMINS, as the access guard applies them. */
  access?: AccessSettings;
  /** The workspace's channel rules (`/deal channel`). */
  channelRules?: ChannelRules;
  /** The workspace's directory of people (`user_change` refreshes it). */
  requesters?: RequesterDirectory;
  /**
   * Put by `acting-as.ts` (issue #16): `crm` and `deals` above then act as the person asking
   * (their own credential or the shared one) and audit every write; `sharedCrm` is the
   * workspace's shared client underneath.
   */
  sharedCrm?: CrmClient;
  /** The workspace's audit trail of writes made through Dealbot. */
  audit?: AuditTrail;
  /** Personal CRM credentials; null when `DEALBOT_SECRET_KEY` is not set. */
  credentials?: CredentialVault | null;
  /** Clients acting with a person's credential; null for the embedded CRM. */
  personalCrms?: PersonalCrms | null;
  /** Slack users linked to CRM users (by email, or by an admin). */
  crmLinks?: CrmLinks;
}

/** The keys of `T` it names (not its index signature). */
type NamedKeys<T> = keyof { [K in keyof T as string extends K ? never : K]: T[K] };
/** What Bolt adds to `authorize`'s answer itself, and the instrumented receiver's per-request logger. */
type AddedKeys = 'isEnterpriseInstall' | 'retryNum' | 'retryReason' | 'requestLogger';

/**
 * A request's context as Bolt will build it, every key Bolt, the instrumented receiver and
 * Dealbot's middleware put on it declared at once, from what Bolt's `authorize` found. Given
 * to the app as its context shape (`AckFirstApp`), so the one object Bolt spreads into the
 * context already holds every key: Bolt builds it as `{ ...authorized, ...customProperties,
 * isEnterpriseInstall, retryNum, retryReason }`, and on Node 20 an object made by a spread
 * gets a hidden class of its own for every key added after the spread (V8 caches no
 * transitions from a spread's map). Each request's context then had a class of its own, made
 * afresh for each of the twenty-odd keys the middleware add (in the old generation, so bursts
 * brought full collections), and every read of it in the listeners missed V8's caches. With
 * every key already there, later writes replace values and every context shares one class.
 * A key missing here still works, only slower; a test (context-shape.test.ts) keeps the list
 * complete.
 */
export function dealbotContextShape(authorized: AuthorizeResult): AuthorizeResult {
  const shaped = {
    // Bolt's: what `authorize` answers, then what Bolt adds itself.
    botToken: authorized.botToken,
    userToken: authorized.userToken,
    botId: authorized.botId,
    botUserId: authorized.botUserId,
    userId: authorized.userId,
    teamId: authorized.teamId,
    enterpriseId: authorized.enterpriseId,
    isEnterpriseInstall: authorized.isEnterpriseInstall as boolean | undefined,
    retryNum: undefined,
    retryReason: undefined,
    // The instrumented receiver's (runtime/instrumented-receiver.ts).
    requestLogger: undefined,
    // Dealbot's (DealbotContext), put by the middleware in app.ts, the access guard and acting-as.
    crm: undefined,
    crmName: undefined,
    deals: undefined,
    people: undefined,
    store: undefined,
    now: undefined,
    digests: undefined,
    unfurlDomains: undefined,
    logger: undefined,
    requester: undefined,
    access: undefined,
    channelRules: undefined,
    requesters: undefined,
    sharedCrm: undefined,
    audit: undefined,
    credentials: undefined,
    personalCrms: undefined,
    crmLinks: undefined,
  } satisfies Record<NamedKeys<DealbotContext> | NamedKeys<AuthorizeResult> | AddedKeys, unknown>;
  // Whatever else an `authorize` answered (a custom one may), kept as Bolt would keep it.
  for (const key of Object.keys(authorized)) {
    if (!(key in shaped)) (shaped as Record<string, unknown>)[key] = authorized[key];
  }
  return shaped;
}

/**
 * A per-request service made on first use, as an object standing in for it: most are not
 * needed before the ack (or at all), and making them for every request was time spent
 * before it. The context holds it as a plain property. (A getter in its place, redefined once
 * the value is made, turned the whole context into a dictionary in V8, and a getter per request
 * gave every context a hidden class of its own.) Reads, `in`, writes and key listings reach
 * the made object; its methods see the stand-in as `this`, and reach the object through it.
 */
export function lazyObject<T extends object>(make: () => T): T {
  return new Proxy({} as T, new MadeOnFirstUse(make));
}

class MadeOnFirstUse<T extends object> implements ProxyHandler<T> {
  private made: T | null = null;
  constructor(private readonly make: () => T) {}
  private value(): T {
    return (this.made ??= this.make());
  }
  get(_: T, key: PropertyKey): unknown {
    return Reflect.get(this.value(), key);
  }
  set(_: T, key: PropertyKey, value: unknown): boolean {
    return Reflect.set(this.value(), key, value);
  }
  has(_: T, key: PropertyKey): boolean {
    return Reflect.has(this.value(), key);
  }
  ownKeys(): ArrayLike<string | symbol> {
    return Reflect.ownKeys(this.value());
  }
  getOwnPropertyDescriptor(_: T, key: PropertyKey): PropertyDescriptor | undefined {
    const descriptor = Reflect.getOwnPropertyDescriptor(this.value(), key);
    // The stand-in's own target is an empty object, and a proxy may not report a key its
    // target lacks as non-configurable.
    return descriptor && { ...descriptor, configurable: true };
  }
  getPrototypeOf(): object | null {
    return Reflect.getPrototypeOf(this.value());
  }
}
