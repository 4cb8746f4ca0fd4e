// The audit trail (issue #16): every write made through Dealbot — create, update, move, won,
// lost, reopen, note, undo — with who asked in Slack, which CRM user that is, the deal (id and
// title), what changed (from → to), where (the channel), when, and whether the person's own
// credential or the shared one made it. Recorded by `audited-crm.ts`, the one place every
// write passes; read by `/deal audit` and the deal timeline.
//
// Append-only: there is no operation to change or remove an entry. Bounded: each deal keeps
// its newest `AUDIT_PER_DEAL` entries and the workspace its newest `AUDIT_RECENT` across deals
// (what `/deal audit` without a deal shows); entries older than `AUDIT_RETENTION_DAYS` are not
// shown and a chunk nobody writes for that long expires.
//
// Each log (a deal's, the workspace's recent one) is kept in chunks of `AUDIT_CHUNK` entries
// with a head key naming the chunk being filled, so a write reads and rewrites at most one
// small chunk per log however long the log is (a whole-list rewrite made every write cost
// the 200 recent entries' JSON, a quarter of the app's CPU under a burst). Chunk 0 is the
// log's own key, where the first version kept the whole list: what it wrote reads unchanged.
//
// Cost per write: one store lock, two `getMany`s of two keys, four `set`s (a chunk and its
// head per log) and, when a log moves on to a new chunk, one `delete` of the chunk that fell
// out. Recording never fails the write it records (the CRM has already changed): a store
// failure is logged.

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';

export type AuditOp = 'create' | 'update' | 'move' | 'won' | 'lost' | 'reopen' | 'note' | 'undo';
export type AuditCredential = 'own' | 'shared';

export interface AuditChange {
  /** A deal field (`title`, `value`, `stage`, `status`, `lostReason`, `note`…). */
  field: string;
  from: string | null;
  to: string | null;
}

export interface AuditEntry {
  id: string;
  /** ISO instant. */
  at: string;
  op: AuditOp;
  slackUserId: string;
  /** The person's name as Dealbot knew it then. */
  slackName: string | null;
  crmUserId: string | null;
  dealId: string;
  dealTitle: string;
  changes: AuditChange[];
  /** The Slack channel the request came from; null for a modal or Home with none. */
  channelId: string | null;
  credential: AuditCredential;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'>;

export interface AuditTrail {
  record(entry: NewAuditEntry): Promise<void>;
  /** Newest first. */
  forDeal(dealId: string, limit?: number): Promise<AuditEntry[]>;
  /** Newest first, across deals. */
  recent(limit?: number): Promise<AuditEntry[]>;
}

export const AUDIT_PER_DEAL = 1_000;
export const AUDIT_RECENT = 200;
export const AUDIT_RETENTION_DAYS = 90;
/** Entries per stored chunk of a log. */
export const AUDIT_CHUNK = 25;
const RETENTION_MS = AUDIT_RETENTION_DAYS * 24 * 3_600_000;
/** A note's text kept in the trail; the note itself is in the CRM. */
const TEXT_MAX = 200;

const changeSchema = z.object({ field: z.string(), from: z.string().nullable(), to: z.string().nullable() });
const entrySchema = z.object({
  id: z.string(),
  at: z.string(),
  op: z.enum(['create', 'update', 'move', 'won', 'lost', 'reopen', 'note', 'undo']),
  slackUserId: z.string(),
  slackName: z.string().nullable(),
  crmUserId: z.string().nullable(),
  dealId: z.string(),
  dealTitle: z.string(),
  changes: z.array(changeSchema),
  channelId: z.string().nullable(),
  credential: z.enum(['own', 'shared']),
});
/** Oldest first, as appended. */
const listSchema = z.array(entrySchema);

const clip = (text: string | null): string | null =>
  text === null ? null : text.length > TEXT_MAX ? `${text.slice(0, TEXT_MAX - 1)}…` : text;

/** One append-only log: its key (chunk 0, and the stem of the others) and how many entries it keeps. */
interface Log {
  key: string;
  keep: number;
}

export interface AuditTrailDeps {
  /** The workspace's store: the trail belongs to a Slack workspace. */
  store: Store;
  /** Tells CRM accounts apart (deal ids are the CRM's): the provider is enough within a workspace. */
  crm: string;
  now?: () => Date;
  logger?: Logger;
}

export function createAuditTrail({ store, crm, now = () => new Date(), logger }: AuditTrailDeps): AuditTrail {
  const prefix = `audit:${crm}`;
  const dealLog = (dealId: string): Log => ({ key: `${prefix}:deal:${dealId}`, keep: AUDIT_PER_DEAL });
  const recentLog: Log = { key: `${prefix}:recent`, keep: AUDIT_RECENT };
  /** Chunk 0 is the log's own key (the whole list, as the first version kept it). */
  const chunkKey = (log: Log, n: number) => (n === 0 ? log.key : `${log.key}:${n}`);
  const headKey = (log: Log) => `${log.key}:head`;
  /** How many chunks hold `keep` entries when the newest is partly filled. */
  const chunksKept = (log: Log) => Math.ceil(log.keep / AUDIT_CHUNK) + 1;

  function parse(value: unknown): AuditEntry[] {
    if (value === undefined) return [];
    const parsed = listSchema.safeParse(value);
    if (parsed.success) return parsed.data;
    // One bad entry must not hide the others.
    if (!Array.isArray(value)) return [];
    return value.flatMap((item) => {
      const one = entrySchema.safeParse(item);
      return one.success ? [one.data] : [];
    });
  }

  const fresh = (entries: AuditEntry[], at: number) => entries.filter((e) => at - Date.parse(e.at) <= RETENTION_MS);
  const head = (value: unknown): number => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0);

  /** Appends `entry` to `log`'s head chunk (inside the trail's lock); the writes it takes. */
  function append(log: Log, n: number, current: AuditEntry[], entry: AuditEntry): Array<Promise<unknown>> {
    // The head is written with its chunk, so it never expires before the chunk it names.
    const ttl = RETENTION_MS;
    if (current.length < AUDIT_CHUNK) return [store.set(chunkKey(log, n), [...current, entry], ttl), store.set(headKey(log), n, ttl)];
    // The head chunk is full (a first-version list may hold far more): the entry starts the next one.
    const next = n + 1;
    const dropped = next - chunksKept(log);
    return [
      store.set(chunkKey(log, next), [entry], ttl),
      store.set(headKey(log), next, ttl),
      ...(dropped >= 0 ? [store.delete(chunkKey(log, dropped))] : []),
    ];
  }

  /** The newest `limit` entries of `log`, newest first: chunks read newest first until enough. */
  async function newest(log: Log, limit: number): Promise<AuditEntry[]> {
    const wanted = Math.max(0, Math.min(limit, log.keep));
    const n = head(await store.get(headKey(log)));
    const at = now().getTime();
    const found: AuditEntry[] = [];
    const oldest = Math.max(0, n - chunksKept(log) + 1);
    // Two chunks at a time: most reads are answered by the head chunk and the one before.
    for (let chunk = n; chunk >= oldest && found.length < wanted; chunk -= 2) {
      const keys = chunk - 1 >= oldest ? [chunkKey(log, chunk), chunkKey(log, chunk - 1)] : [chunkKey(log, chunk)];
      for (const value of await store.getMany(keys)) found.push(...fresh(parse(value), at).reverse());
    }
    return found.slice(0, wanted);
  }

  return {
    async record(input) {
      const at = now();
      const entry: AuditEntry = {
        ...input,
        id: randomUUID(),
        at: at.toISOString(),
        changes: input.changes.map((c) => ({ field: c.field, from: clip(c.from), to: clip(c.to) })),
      };
      try {
        const deal = dealLog(entry.dealId);
        await store.withLock(`${prefix}:lock`, async () => {
          const [dealHead, recentHead] = (await store.getMany([headKey(deal), headKey(recentLog)])).map(head) as [number, number];
          const [dealChunk, recentChunk] = await store.getMany([chunkKey(deal, dealHead), chunkKey(recentLog, recentHead)]);
          // Entries past the retention go when their chunk is rewritten, or with the chunk's expiry.
          const ms = at.getTime();
          await Promise.all([
            ...append(deal, dealHead, fresh(parse(dealChunk), ms), entry),
            ...append(recentLog, recentHead, fresh(parse(recentChunk), ms), entry),
          ]);
        });
      } catch (error) {
        logger?.warn({ err: error, dealId: entry.dealId, op: entry.op }, 'audit trail: write not recorded');
      }
    },

    forDeal: (dealId, limit = AUDIT_PER_DEAL) => newest(dealLog(dealId), limit),
    recent: (limit = AUDIT_RECENT) => newest(recentLog, limit),
  };
}
