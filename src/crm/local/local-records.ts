// What the embedded CRM keeps in the store, as zod schemas: the catalog (pipelines, stages,
// users, organizations, persons, settings and id counters, one small key), one key per deal,
// compact index keys per stage (one per 1000 deal ids), and a deal's history in fixed-size
// chunks. Everything read
// back is parsed, so a corrupt or foreign value fails loudly instead of leaking upward.
// Times are stored as ISO strings (UTC) and become luxon DateTimes only at the port.

import { z } from 'zod';
import { dealFieldSchema } from '../deal-field-schema.js';

const id = z.string().min(1);
const isoInstant = z.string().min(1);

export const partyRefSchema = z.object({ id, name: z.string() });

export const moneySchema = z.object({ amount: z.number(), currency: z.string() });

export const catalogSchema = z.object({
  defaultCurrency: z.string().nullable(),
  nextId: z.object({
    deal: z.number().int(),
    pipeline: z.number().int(),
    stage: z.number().int(),
    user: z.number().int(),
    organization: z.number().int(),
    person: z.number().int(),
  }),
  pipelines: z.array(z.object({ id, name: z.string(), order: z.number(), isDefault: z.boolean() })),
  stages: z.array(z.object({ id, pipelineId: id, name: z.string(), order: z.number(), probability: z.number().nullable() })),
  users: z.array(z.object({ id, name: z.string(), email: z.string().nullable(), active: z.boolean() })),
  organizations: z.array(partyRefSchema),
  persons: z.array(partyRefSchema.extend({ organizationId: z.string().nullable() })),
});
export type Catalog = z.infer<typeof catalogSchema>;

export const emptyCatalog = (): Catalog => ({
  defaultCurrency: null,
  nextId: { deal: 1, pipeline: 1, stage: 1, user: 1, organization: 1, person: 1 },
  pipelines: [],
  stages: [],
  users: [],
  organizations: [],
  persons: [],
});

export const storedDealSchema = z.object({
  id,
  title: z.string(),
  value: moneySchema.nullable(),
  status: z.enum(['open', 'won', 'lost']),
  pipelineId: id,
  stageId: id,
  ownerId: z.string().nullable(),
  organization: partyRefSchema.nullable(),
  person: partyRefSchema.nullable(),
  expectedCloseDate: z.string().nullable(),
  probability: z.number().nullable(),
  lostReason: z.string().nullable(),
  createdAt: isoInstant,
  updatedAt: isoInstant,
  stageChangedAt: isoInstant.nullable(),
  closedAt: isoInstant.nullable(),
  /** How many history entries the deal has; locates the last history chunk without a read. */
  historyCount: z.number().int().nonnegative(),
});
export type StoredDeal = z.infer<typeof storedDealSchema>;

/**
 * A deal as its stage index holds it: everything listing, filtering and search need, so
 * those never read the deals they skip.
 */
export const indexRowSchema = z.object({
  id,
  title: z.string(),
  status: z.enum(['open', 'won', 'lost']),
  amount: z.number().nullable(),
  currency: z.string().nullable(),
  probability: z.number().nullable(),
  expectedCloseDate: z.string().nullable(),
  ownerId: z.string().nullable(),
  organizationName: z.string().nullable(),
  personName: z.string().nullable(),
  /** Epoch milliseconds, so `updatedSince` filters compare numbers. */
  updatedAt: z.number(),
});
export type IndexRow = z.infer<typeof indexRowSchema>;
export const stageIndexSchema = z.array(indexRowSchema);

const entryBase = { at: isoInstant, actor: z.string().nullable() };
export const historyEntrySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('created'), ...entryBase }),
  z.object({ kind: z.literal('stage'), ...entryBase, fromStageId: z.string().nullable(), toStageId: id }),
  z.object({
    kind: z.literal('status'),
    ...entryBase,
    from: z.enum(['open', 'won', 'lost']).nullable(),
    to: z.enum(['open', 'won', 'lost']),
    lostReason: z.string().nullable(),
  }),
  z.object({
    kind: z.literal('field'),
    ...entryBase,
    field: dealFieldSchema,
    from: z.string().nullable(),
    to: z.string().nullable(),
  }),
  z.object({ kind: z.literal('note'), ...entryBase, text: z.string() }),
]);
export type HistoryEntry = z.infer<typeof historyEntrySchema>;
export const historyChunkSchema = z.array(historyEntrySchema);

/**
 * Deal ids per stage-index bucket. A stage's index is split by id range so a deal write
 * rewrites one bucket (a few hundred rows), not every row the stage ever held.
 */
export const INDEX_BUCKET_SIZE = 1000;
export const indexBucketOf = (dealId: string | number): number => Math.max(0, Math.floor((Number(dealId) - 1) / INDEX_BUCKET_SIZE));

/** History entries per chunk key; a history page (25) spans at most two chunks. */
export const HISTORY_CHUNK_SIZE = 25;

export function localKeys(namespace: string) {
  return {
    catalog: `${namespace}:catalog`,
    deal: (dealId: string) => `${namespace}:deal:${dealId}`,
    stageIndex: (stageId: string, bucket: number) => `${namespace}:stage-deals:${stageId}:${bucket}`,
    historyChunk: (dealId: string, chunk: number) => `${namespace}:history:${dealId}:${chunk}`,
    seeded: `${namespace}:seeded`,
  };
}
export type LocalKeys = ReturnType<typeof localKeys>;
