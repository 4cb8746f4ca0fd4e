// Reads every deal a query matches by following the CRM's cursor pages. Pages are as large as
// the adapter allows (no `limit` is passed), so the CRM cost is the floor for the answer.
//
// `forEachDeal` hands each deal over as its page arrives and keeps none: the digest and the
// board aggregate while paging, so a 100,000-deal pipeline costs one page of memory, not
// 100,000 deals. `collectDeals` keeps them (with a cap) for the views that show deals one by
// one (the Home tab, the timeline summary); the caller says "the first N deals" when the cap
// was reached.

import type { CrmClient, Deal, DealQuery } from '../crm/port.js';
import { CrmBadResponseError } from '../errors.js';

/** 40 Pipedrive pages of 500: far beyond a sales team's open pipeline, still one command's worth. */
export const DEFAULT_MAX_DEALS = 20_000;

export interface CollectedDeals {
  deals: Deal[];
  /** The cap was reached while the CRM still had deals to give. */
  truncated: boolean;
}

/**
 * Calls `visit` once per deal the query matches, page by page. Returning `false` from `visit`
 * stops the paging (resolves `false`: the CRM had more). A deal edited while we page can
 * reappear on a later page; it is visited once, as first seen. The ids seen are kept (a
 * string each) for that; pass `seen` to share them across lists that must not overlap.
 * `beforeNextPage` returning false also stops, without reading the next page.
 */
export async function forEachDeal(
  crm: CrmClient,
  query: Omit<DealQuery, 'cursor'>,
  visit: (deal: Deal) => boolean | void,
  options: { seen?: Set<string>; beforeNextPage?: () => boolean } = {},
): Promise<boolean> {
  const seen = options.seen ?? new Set<string>();
  const seenCursors = new Set<string>();
  let cursor: string | null = null;
  for (;;) {
    const page = await crm.listDeals({ ...query, cursor });
    for (const deal of page.items) {
      if (seen.has(deal.id)) continue;
      seen.add(deal.id);
      if (visit(deal) === false) return false;
    }
    if (page.nextCursor === null) return true;
    if (options.beforeNextPage?.() === false) return false;
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

export async function collectDeals(
  crm: CrmClient,
  query: Omit<DealQuery, 'cursor'>,
  options: { maxDeals?: number } = {},
): Promise<CollectedDeals> {
  const maxDeals = Math.max(1, Math.floor(options.maxDeals ?? DEFAULT_MAX_DEALS));
  const deals: Deal[] = [];
  const complete = await forEachDeal(
    crm,
    query,
    (deal) => {
      if (deals.length >= maxDeals) return false;
      deals.push(deal);
      return true;
    },
    { beforeNextPage: () => deals.length < maxDeals },
  );
  return { deals, truncated: !complete };
}
