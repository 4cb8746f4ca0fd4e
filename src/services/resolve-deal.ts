// Finding the deal a person meant, for the commands that act on one: an id is read; words
// are searched, and one hit (or one exact title) is the deal. Several matches or none come
// back with the stage names a list of them shows, so the caller can offer a picker or say
// nothing matched without asking the CRM again.

import type { Deal, DealHit } from '../crm/port.js';
import type { DealRef } from '../parse/deal-command.js';
import type { DealService } from './deal-service.js';

export type DealFound =
  | { kind: 'one'; deal: Deal }
  | { kind: 'many'; hits: DealHit[]; more: boolean; stageNames: Map<string, string> }
  | { kind: 'none'; words: string; stageNames: Map<string, string> };

export type DealNotFound = Exclude<DealFound, { kind: 'one' }>;

export async function findDealNamed(deals: DealService, ref: DealRef): Promise<DealFound> {
  const resolution = await deals.resolveDeal(ref);
  if (resolution.kind === 'one') return resolution;
  return { ...resolution, stageNames: await deals.stageNames() };
}

/** What the lost-reason modal shows once it is open: the deal to ask about, or why there is none. */
export type LostReasonTarget =
  | { kind: 'ask'; deal: Deal }
  /** Already won or lost: nothing to ask. */
  | { kind: 'closed'; deal: Deal }
  /** Words that named no deal, or several; `words` is what the person typed. */
  | { kind: 'unresolved'; found: DealNotFound; words: string };

export async function findDealToMarkLost(deals: DealService, target: { dealId: string } | { ref: DealRef }): Promise<LostReasonTarget> {
  let deal: Deal;
  if ('dealId' in target) {
    deal = await deals.getDeal(target.dealId);
  } else {
    const found = await findDealNamed(deals, target.ref);
    if (found.kind !== 'one') {
      const words = found.kind === 'none' ? found.words : target.ref.kind === 'words' ? target.ref.words : '';
      return { kind: 'unresolved', found, words };
    }
    deal = found.deal;
  }
  return deal.status === 'open' ? { kind: 'ask', deal } : { kind: 'closed', deal };
}
