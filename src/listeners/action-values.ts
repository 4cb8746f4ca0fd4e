// Reads the values our own buttons and selects carry back. They were written by `ui/`,
// but a payload is still input: anything malformed is refused as a typed error instead
// of being trusted.

import { z } from 'zod';
import { BadActionValueError } from '../errors.js';
import type { PendingDealAction } from '../ui/deal-list.js';
import type { DealStageValue } from '../ui/ids.js';

const id = z.string().min(1).max(64);
const dealStage = z.object({ dealId: id, stageId: id });
/** Every op a picker may carry, derived from the `/deal` grammar: a missing or unknown one fails the type check. */
const PENDING_OPS = {
  show: 'show',
  move: 'move',
  won: 'won',
  lost: 'lost',
  reopen: 'reopen',
  timeline: 'timeline',
} as const satisfies { [K in PendingDealAction['op']]: K };

const pending = z.object({
  op: z.enum(PENDING_OPS),
  dealId: id,
  stage: z.string().max(200).optional(),
  reason: z.string().max(1000).nullable().optional(),
}) satisfies z.ZodType<PendingDealAction & { dealId: string }>;

function parse<T>(schema: z.ZodType<T>, raw: string | undefined, actionId: string): T {
  try {
    return schema.parse(JSON.parse(raw ?? ''));
  } catch (cause) {
    throw new BadActionValueError(actionId, { cause });
  }
}

export const readDealStage = (raw: string | undefined, actionId: string): DealStageValue => parse(dealStage, raw, actionId);

export const readPendingAction = (raw: string | undefined, actionId: string): PendingDealAction & { dealId: string } =>
  parse(pending, raw, actionId);

export function readId(raw: string | undefined, actionId: string): string {
  const parsed = id.safeParse(raw);
  if (!parsed.success) throw new BadActionValueError(actionId, { cause: parsed.error });
  return parsed.data;
}
