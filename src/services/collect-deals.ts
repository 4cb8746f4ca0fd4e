// Reads every deal a query matches by following the CRM's cursor pages, for the views that
// aggregate a whole pipeline (the board, the timeline summary). Pages are as large as the
// adapter allows (no `limit` is passed), and a cap keeps one command from reading an
// account without end; the caller says "the first N deals" when it was reached.

import type { CrmClient, Deal, DealQuery } from '../crm/port.js';
import { CrmBadResponseError } from '../errors.js';

/** 40 Pipedrive pages of 500: far beyond a sales team's open pipeline, still one command's worth. */
export const DEFAULT_MAX_DEALS = 20_000;

export interface CollectedDeals {
  deals: Deal[];
  /** The cap was reached while the CRM still had deals to give. */
  truncated: boolean;
}

export async function collectDeals(
  crm: CrmClient,
  query: Omit<DealQuery, 'cursor'>,
  options: { maxDeals?: number } = {},
): Promise<CollectedDeals> {
  const maxDeals = Math.max(1, Math.floor(options.maxDeals ?? DEFAULT_MAX_DEALS));
  // A deal edited while we page can reappear on a later page; it is counted once.
  const byId = new Map<string, Deal>();
  const seenCursors = new Set<string>();
  let cursor: string | null = null;

  for (;;) {
    const page = await crm.listDeals({ ...query, cursor });
    for (const deal of page.items) {
      if (byId.size >= maxDeals) return { deals: [...byId.values()], truncated: true };
      byId.set(deal.id, deal);
    }
    if (page.nextCursor === null) return { deals: [...byId.values()], truncated: false };
    if (byId.size >= maxDeals) return { deals: [...byId.values()], truncated: true };
    // A CRM handing back a cursor it already gave would keep us paging forever.
    if (seenCursors.has(page.nextCursor)) {
      throw new CrmBadResponseError(`the deal list repeated the page cursor ${page.nextCursor.slice(0, 40)}`, {
        crm: crm.displayName,
      });
    }
    seenCursors.add(page.nextCursor);
    cursor = page.nextCursor;
  }
}
