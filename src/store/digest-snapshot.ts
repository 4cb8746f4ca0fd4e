// What a channel's last digest saw of a pipeline: for each deal its stage, status and value,
// and when. The next digest compares the deals changed since then against it, which tells
// new deals, stage moves, wins, losses and reopenings apart on any CRM, history or not.
// Stored per (channel, pipeline), compact (a tuple per deal) so 10,000 deals stay a few
// hundred kilobytes.

import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Deal, DealStatus } from '../crm/port.js';
import type { Store } from './store.js';

/** `[stageId, status, amount, currency]`. */
export type SnapshotDeal = [string, DealStatus, number | null, string | null];

export interface DigestSnapshot {
  /** When the digest read the CRM. */
  at: DateTime;
  deals: Map<string, SnapshotDeal>;
}

/** A channel that stops its digest for a quarter starts afresh rather than diff against old news. */
const SNAPSHOT_TTL_MS = 90 * 24 * 60 * 60 * 1000;

const snapshotKey = (channelId: string, pipelineId: string): string => `digest:snapshot:${channelId}:${pipelineId}`;

const storedSchema = z.object({
  at: z.string(),
  deals: z.record(z.string(), z.tuple([z.string(), z.enum(['open', 'won', 'lost']), z.number().nullable(), z.string().nullable()])),
});

export function snapshotOf(deals: Iterable<Deal>, at: DateTime): DigestSnapshot {
  const map = new Map<string, SnapshotDeal>();
  for (const d of deals) map.set(d.id, [d.stageId, d.status, d.value?.amount ?? null, d.value?.currency ?? null]);
  return { at, deals: map };
}

export async function loadDigestSnapshot(store: Store, channelId: string, pipelineId: string): Promise<DigestSnapshot | null> {
  const parsed = storedSchema.safeParse(await store.get(snapshotKey(channelId, pipelineId)));
  if (!parsed.success) return null;
  const at = DateTime.fromISO(parsed.data.at, { zone: 'utc' });
  if (!at.isValid) return null;
  return { at, deals: new Map(Object.entries(parsed.data.deals)) };
}

export async function saveDigestSnapshot(store: Store, channelId: string, pipelineId: string, snapshot: DigestSnapshot): Promise<void> {
  const stored = { at: snapshot.at.toUTC().toISO(), deals: Object.fromEntries(snapshot.deals) };
  await store.set(snapshotKey(channelId, pipelineId), stored, SNAPSHOT_TTL_MS);
}
