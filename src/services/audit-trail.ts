// The audit trail (issue #16): every write made through Dealbot — create, update, move, won,
// lost, reopen, note, undo — with who asked in Slack, which CRM user that is, the deal (id and
// title), what changed (from → to), where (the channel), when, and whether the person's own
// credential or the shared one made it. Recorded by `audited-crm.ts`, the one place every
// write passes; read by `/deal audit` and the deal timeline.
//
// Append-only: there is no operation to change or remove an entry. Bounded: each deal keeps
// its newest `AUDIT_PER_DEAL` entries and the workspace its newest `AUDIT_RECENT` across deals
// (what `/deal audit` without a deal shows); entries older than `AUDIT_RETENTION_DAYS` are
// dropped when the key is next written, and a key nobody writes for that long expires.
//
// Cost per write: one store lock, one `getMany` of two keys, two `set`s. Recording never fails
// the write it records (the CRM has already changed): a store failure is logged.

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
  const dealKey = (dealId: string) => `${prefix}:deal:${dealId}`;
  const recentKey = `${prefix}:recent`;

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
  const newestFirst = (entries: AuditEntry[], limit: number) => entries.slice(-Math.max(0, limit)).reverse();

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
        await store.withLock(`${prefix}:lock`, async () => {
          const [dealValue, recentValue] = await store.getMany([dealKey(entry.dealId), recentKey]);
          const ms = at.getTime();
          const deal = [...fresh(parse(dealValue), ms), entry].slice(-AUDIT_PER_DEAL);
          const recent = [...fresh(parse(recentValue), ms), entry].slice(-AUDIT_RECENT);
          await Promise.all([store.set(dealKey(entry.dealId), deal, RETENTION_MS), store.set(recentKey, recent, RETENTION_MS)]);
        });
      } catch (error) {
        logger?.warn({ err: error, dealId: entry.dealId, op: entry.op }, 'audit trail: write not recorded');
      }
    },

    async forDeal(dealId, limit = AUDIT_PER_DEAL) {
      return newestFirst(fresh(parse(await store.get(dealKey(dealId))), now().getTime()), limit);
    },

    async recent(limit = AUDIT_RECENT) {
      return newestFirst(fresh(parse(await store.get(recentKey)), now().getTime()), limit);
    },
  };
}
