// Where the alerts' deal events come from: the CRM polled for deals changed since the last
// poll, Pipedrive's webhooks, and changes made through Dealbot, all turned into `DealEvent`s
// against one compact snapshot per deal (`domain/deal-diff.ts`).
//
// - A snapshot per deal (`alerts:snap:<id>`) holds the watched fields and the CRM's change
//   time they reflect. It only moves forward: a state older than the snapshot (a webhook
//   retried late, a poll answered from before a webhook) changes nothing and says nothing. So
//   a change seen by a webhook and then by a poll is announced once.
// - Reading snapshots, diffing, handing the events on and writing the snapshots happen under
//   one store lock per workspace, so two replicas (or a poll and a webhook) never diff against
//   the same old snapshot. The events are handed on before the snapshots move: when `onEvents`
//   fails, the snapshots stay and the next observation yields the same events with the same
//   ids (the delivery claims each id once).
// - Polling: every replica ticks, one holds the lease (`alerts:poll-lease`, renewed while it
//   keeps polling, lapsing when it dies) and polls. A poll lists the deals changed since the
//   cursor (`alerts:cursor`, the latest CRM change time seen) minus a small overlap, every
//   page; with nothing changed that is one request on every CRM that filters on its side
//   (Pipedrive v2: one `GET /api/v2/deals?updated_since=…` page). The first poll of a
//   workspace (no cursor) only records snapshots: existing deals are not news.
// - The store is the workspace's scoped store (`scopeStore`): a console sharing the store with
//   a bot has its own cursor, lease and snapshots, and never takes over the bot's alerts.

import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { diffDeal, snapshotOf } from '../domain/deal-diff.js';
import type { DealEvent, DealEventActor, DealEventSource, DealSnapshot } from '../domain/deal-events.js';
import type { Logger } from '../logger.js';
import { lastChangedAt, type CrmClient, type Deal } from '../crm/port.js';
import type { Store } from '../store/store.js';
import { clearUnrefTimer, unrefTimer } from '../store/lease.js';

export const SNAPSHOT_KEY_PREFIX = 'alerts:snap:';
export const CURSOR_KEY = 'alerts:cursor';
export const POLL_LEASE_KEY = 'alerts:poll-lease';
const SNAPSHOT_LOCK = 'alerts:snapshots';

/** One sighting of a deal's current state, with what the source knows about the change. */
export interface SeenDeal {
  deal: Deal;
  /**
   * When the change happened, as the source says (a webhook's own time). Used only when the
   * deal carries no update time: the snapshot's time is the deal's update time, else the later
   * of this and `lastChangedAt(deal)`.
   */
  at?: DateTime | null;
  /** The deal just before this change, when the source says (a webhook's `previous`); diffed against when no snapshot is kept. */
  before?: Deal | null;
  /** The source saw the deal being created: without a snapshot it is announced as created. */
  created?: boolean;
  actor?: DealEventActor;
}

/** What a Pipedrive webhook (or any push source) reports, read by its adapter. */
export interface PushedChange {
  action: 'create' | 'change' | 'delete';
  /** The deal after the change; null for a delete. */
  deal: Deal | null;
  /** The deal before it (for a delete, its last state); null for a create. */
  before: Deal | null;
  /** When the source says it happened. */
  at: DateTime | null;
  /** The CRM user who made it, when known. */
  crmUserId: string | null;
}

export interface PollReport {
  /** `elsewhere`: another replica holds the lease; `baseline`: the first poll, snapshots only. */
  result: 'polled' | 'baseline' | 'elsewhere';
  pages: number;
  deals: number;
  events: number;
}

export interface DealWatchDeps {
  crm: CrmClient;
  /** The workspace's scoped store. */
  store: Store;
  now: () => DateTime;
  logger: Logger;
  /** Told of each batch of new events, once per observation; a throw leaves the snapshots as they were. */
  onEvents: (events: DealEvent[]) => Promise<void> | void;
  /** Names this replica in the lease. */
  instanceId: string;
  /** Seconds between polls; 0: never polls (webhooks and Dealbot's own changes still count). */
  pollSeconds: number;
  /** How far before the cursor a poll looks again, for changes the CRM made visible late. Default 2 min. */
  overlapMs?: number;
  /** How long the poll lease holds unrenewed. Default twice the interval plus 30 s. */
  leaseMs?: number;
  /** Deals per page asked of the CRM; default the CRM's largest. */
  pageSize?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** Told of each timed poll: its result, or `error` when it failed (metrics). */
  onPoll?: (result: PollReport['result'] | 'error') => void;
}

export interface DealWatch {
  /** Polls once if this replica holds (or takes) the lease. */
  pollOnce(): Promise<PollReport>;
  /** Diffs deals (or sightings) against their snapshots, hands on the new events, moves the snapshots forward. */
  ingest(items: Array<Deal | SeenDeal>, source: DealEventSource): Promise<DealEvent[]>;
  /** A pushed change (a webhook): created, changed, or deleted (the snapshot is dropped; no event). */
  ingestPushed(change: PushedChange, source?: DealEventSource): Promise<DealEvent[]>;
  /** Polls every `pollSeconds` from now on (the first poll at once); nothing when 0. */
  start(): void;
  /** Stops polling and gives the lease back. */
  stop(): Promise<void>;
}

const isSeen = (item: Deal | SeenDeal): item is SeenDeal => 'deal' in item;

function changedAtOf(seen: SeenDeal): string {
  const { deal, at } = seen;
  if (deal.updatedAt) return deal.updatedAt.toUTC().toISO()!;
  const fallback = lastChangedAt(deal);
  return (at && at > fallback ? at : fallback).toUTC().toISO()!;
}

const millis = (iso: string): number => Date.parse(iso);

export function createDealWatch(deps: DealWatchDeps): DealWatch {
  const { crm, store, logger } = deps;
  const log = logger.child({ component: 'deal-watch' });
  const pollMs = Math.max(0, deps.pollSeconds) * 1000;
  const overlapMs = deps.overlapMs ?? 2 * 60_000;
  const leaseMs = deps.leaseMs ?? Math.max(30_000, 2 * pollMs + 30_000);
  const setTimer = deps.setTimer ?? unrefTimer;
  const clearTimer = deps.clearTimer ?? clearUnrefTimer;
  const owner = `${deps.instanceId}:${randomUUID()}`;
  let timer: unknown = null;
  let running = false;
  let polling: Promise<unknown> | null = null;

  /**
   * The heart of every source. `createdSince`: a deal without a snapshot created at or after
   * this is new (a poll); before it, it is only recorded (a deal first seen late is not news).
   */
  async function diffAndRecord(
    items: SeenDeal[],
    source: DealEventSource,
    options: { createdSince?: number; silent?: boolean } = {},
  ): Promise<DealEvent[]> {
    if (items.length === 0) return [];
    return store.withLock(
      SNAPSHOT_LOCK,
      async () => {
        // One sighting per deal: the latest.
        const latest = new Map<string, { seen: SeenDeal; after: DealSnapshot }>();
        for (const seen of items) {
          const after = snapshotOf(seen.deal, changedAtOf(seen));
          const known = latest.get(after.dealId);
          if (!known || millis(after.changedAt) >= millis(known.after.changedAt)) latest.set(after.dealId, { seen, after });
        }
        const entries = [...latest.values()];
        const stored = await store.getMany<DealSnapshot>(entries.map(({ after }) => SNAPSHOT_KEY_PREFIX + after.dealId));
        const events: DealEvent[] = [];
        const writes: DealSnapshot[] = [];
        entries.forEach(({ seen, after }, i) => {
          const current = stored[i] ?? null;
          // Never backwards: an older state than the one kept says nothing and changes nothing.
          if (current && millis(after.changedAt) < millis(current.changedAt)) return;
          if (current && sameSnapshot(current, after)) return;
          writes.push(after);
          if (options.silent) return;
          let before: DealSnapshot | null = current;
          if (!before) {
            if (seen.before) before = snapshotOf(seen.before, after.changedAt);
            else if (!seen.created && !(options.createdSince !== undefined && seen.deal.createdAt.toMillis() >= options.createdSince)) {
              return; // first seen, not new: recorded only
            }
          }
          events.push(...diffDeal(before, after, source, seen.actor ?? null));
        });
        if (events.length > 0) await deps.onEvents(events);
        await Promise.all(writes.map((snapshot) => store.set(SNAPSHOT_KEY_PREFIX + snapshot.dealId, snapshot)));
        return events;
      },
      { ttlMs: 30_000, waitMs: 20_000 },
    );
  }

  async function ingest(items: Array<Deal | SeenDeal>, source: DealEventSource): Promise<DealEvent[]> {
    return diffAndRecord(
      items.map((item) => (isSeen(item) ? item : { deal: item })),
      source,
    );
  }

  async function ingestPushed(change: PushedChange, source: DealEventSource = 'webhook'): Promise<DealEvent[]> {
    const actor = change.crmUserId ? { crmUserId: change.crmUserId } : null;
    if (change.action === 'delete') {
      const gone = change.before ?? change.deal;
      if (gone) await store.withLock(SNAPSHOT_LOCK, () => store.delete(SNAPSHOT_KEY_PREFIX + gone.id), { ttlMs: 30_000, waitMs: 20_000 });
      return [];
    }
    if (!change.deal) return [];
    return diffAndRecord(
      [
        {
          deal: change.deal,
          at: change.at,
          before: change.action === 'change' ? change.before : null,
          created: change.action === 'create',
          actor,
        },
      ],
      source,
    );
  }

  /** Every page of deals changed since `since` (all deals when null), each ingested as it comes. */
  async function pollPages(since: DateTime | null, report: PollReport): Promise<{ newest: number | null; complete: boolean }> {
    let cursor: string | null = null;
    let newest: number | null = null;
    const seenCursors = new Set<string>();
    do {
      const page = await crm.listDeals({ updatedSince: since ?? undefined, cursor, limit: deps.pageSize });
      report.pages += 1;
      report.deals += page.items.length;
      const seen = page.items.map((deal): SeenDeal => ({ deal }));
      for (const item of seen) {
        const at = millis(changedAtOf(item));
        if (newest === null || at > newest) newest = at;
      }
      const events = await diffAndRecord(seen, 'poll', since ? { createdSince: since.toMillis() } : { silent: true });
      report.events += events.length;
      cursor = page.nextCursor;
      if (cursor !== null && seenCursors.has(cursor)) break; // a CRM handing out the same page again
      if (cursor !== null) seenCursors.add(cursor);
      // A long poll (the first one reads every deal) keeps its lease; one that lost it stops
      // here, and the cursor stays for whoever polls next (the snapshots make re-reading harmless).
      if (cursor !== null && !(await store.claim(POLL_LEASE_KEY, leaseMs, owner))) {
        log.warn({ pages: report.pages }, 'lost the poll lease mid-poll; another replica carries on');
        return { newest, complete: false };
      }
    } while (cursor !== null);
    return { newest, complete: true };
  }

  async function pollOnce(): Promise<PollReport> {
    const report: PollReport = { result: 'elsewhere', pages: 0, deals: 0, events: 0 };
    // Taking the lease and keeping it are the same call: the holder renews it at every poll.
    if (!(await store.claim(POLL_LEASE_KEY, leaseMs, owner))) return report;
    const started = deps.now();
    const cursorIso = await store.get<string>(CURSOR_KEY);
    // Whole seconds: CRMs keep update times to the second.
    const since = cursorIso ? DateTime.fromISO(cursorIso, { zone: 'utc' }).minus({ milliseconds: overlapMs }).startOf('second') : null;
    report.result = since ? 'polled' : 'baseline';
    const { newest, complete } = await pollPages(since, report);
    // The cursor is the latest CRM change seen; with none (an empty CRM at the first poll), now.
    const next = !complete ? null : (newest ?? (cursorIso ? null : started.toMillis()));
    if (next !== null) {
      await store.withLock(
        SNAPSHOT_LOCK,
        async () => {
          const current = await store.get<string>(CURSOR_KEY);
          if (!current || next > millis(current)) await store.set(CURSOR_KEY, new Date(next).toISOString());
        },
        { ttlMs: 30_000, waitMs: 20_000 },
      );
    }
    if (report.events > 0 || report.result === 'baseline') log.info({ ...report }, 'polled the CRM for deal changes');
    return report;
  }

  function schedule(ms: number): void {
    if (!running) return;
    timer = setTimer(() => {
      timer = null;
      const run = pollOnce()
        .then((report) => deps.onPoll?.(report.result))
        .catch((error: unknown) => {
          deps.onPoll?.('error');
          log.warn({ err: error }, 'polling the CRM for deal changes failed; trying again next interval');
        })
        .finally(() => {
          polling = null;
          schedule(pollMs);
        });
      polling = run;
    }, ms);
  }

  return {
    pollOnce,
    ingest,
    ingestPushed,
    start() {
      if (running || pollMs === 0) return;
      running = true;
      schedule(0);
    },
    async stop() {
      running = false;
      if (timer !== null) clearTimer(timer);
      timer = null;
      await polling?.catch(() => undefined);
      await store.release(POLL_LEASE_KEY, owner).catch(() => undefined);
    },
  };
}

function sameSnapshot(a: DealSnapshot, b: DealSnapshot): boolean {
  return (
    a.changedAt === b.changedAt &&
    a.title === b.title &&
    a.status === b.status &&
    a.pipelineId === b.pipelineId &&
    a.stageId === b.stageId &&
    a.ownerId === b.ownerId &&
    a.expectedCloseDate === b.expectedCloseDate &&
    a.lostReason === b.lostReason &&
    (a.value === null || b.value === null
      ? a.value === b.value
      : a.value.amount === b.value.amount && a.value.currency === b.value.currency)
  );
}
