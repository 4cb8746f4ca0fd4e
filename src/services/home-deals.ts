// What the App Home shows a person: their open deals in the CRM (they own them), sorted
// into overdue, closing this week, and the rest. "This week" and "overdue" are read in the
// person's own time zone: `now` comes in it.

import type { DateTime } from 'luxon';
import type { CrmClient, Deal } from '../crm/port.js';
import { collectDeals } from './collect-deals.js';

/** A person's open deals fit easily; a cap keeps one Home tab from reading an account without end. */
export const HOME_MAX_DEALS = 1000;

export interface HomeDeals {
  /** Expected to close before today, still open. Oldest first. */
  overdue: Deal[];
  /** Expected to close from today to the end of this (ISO) week. Soonest first. */
  closingThisWeek: Deal[];
  /** Every other open deal: later, or with no date. Soonest first, undated last. */
  later: Deal[];
  /** More open deals exist than were read. */
  truncated: boolean;
}

const byCloseDate = (a: Deal, b: Deal): number =>
  (a.expectedCloseDate ?? '9999-99-99').localeCompare(b.expectedCloseDate ?? '9999-99-99') || a.title.localeCompare(b.title);

export async function loadHomeDeals(crm: CrmClient, query: { ownerId: string; now: DateTime }): Promise<HomeDeals> {
  const { deals, truncated } = await collectDeals(crm, { ownerId: query.ownerId, status: ['open'] }, { maxDeals: HOME_MAX_DEALS });
  const today = query.now.toISODate() ?? '';
  const weekEnd = query.now.endOf('week').toISODate() ?? today;
  const home: HomeDeals = { overdue: [], closingThisWeek: [], later: [], truncated };
  for (const deal of [...deals].sort(byCloseDate)) {
    // A CRM may ignore the status filter; only open deals belong here.
    if (deal.status !== 'open') continue;
    const close = deal.expectedCloseDate;
    if (close !== null && close < today) home.overdue.push(deal);
    else if (close !== null && close <= weekEnd) home.closingThisWeek.push(deal);
    else home.later.push(deal);
  }
  return home;
}
