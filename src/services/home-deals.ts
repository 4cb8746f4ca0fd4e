// What the App Home shows a person: their open deals in the CRM (they own them), sorted
// into overdue, closing this week, and the rest. "This week" and "overdue" are read in the
// person's own time zone: `now` comes in it.

import type { DateTime } from 'luxon';
import type { CrmClient, Deal } from '../crm/port.js';
import { collectDeals } from './collect-deals.js';
import { crmUserFor, type SlackPerson } from './slack-people.js';

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

/** Why the Home tab has no deals to list: the person's Slack email names no CRM user. */
export interface MissingCrmUser {
  missingUser: { email: string | null };
}

/** What the Home tab shows a person: their deals (or why there are none), read in their zone. */
export interface HomeTab {
  /** `now` in the person's zone (UTC when their zone is unknown). */
  now: DateTime;
  stageNames: Map<string, string>;
  deals: HomeDeals | MissingCrmUser;
}

/**
 * The Home tab of a Slack person: their Slack email maps to a CRM user (the deals' owner);
 * no such user gets `missingUser`, and no deal is read.
 */
export async function homeTabFor(crm: CrmClient, person: Pick<SlackPerson, 'email' | 'tz'>, at: DateTime): Promise<HomeTab> {
  const [users, stages] = await Promise.all([crm.listUsers(), crm.listStages()]);
  const zoned = at.setZone(person.tz);
  const now = zoned.isValid ? zoned : at.setZone('UTC');
  const stageNames = new Map(stages.map((s) => [s.id, s.name]));
  const owner = crmUserFor(person, users);
  const deals = owner ? await loadHomeDeals(crm, { ownerId: owner.id, now }) : { missingUser: { email: person.email } };
  return { now, stageNames, deals };
}
