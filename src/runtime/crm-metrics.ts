// Turns each CRM HTTP attempt (`onExchange` of the HTTP client) into the CRM metrics: requests
// by endpoint template and status, their time, and what the CRM's rate-limit headers say.
// Pipedrive's headers (its "Rate limiting" docs; none of them is declared in its OpenAPI specs):
//   x-ratelimit-remaining              requests left in the current 2-second window
//   x-daily-ratelimit-token-remaining  tokens left of the company's daily budget (token-based
//                                      limits; sent by the live API, not yet in the docs)
//   x-daily-requests-left              POST/PUT requests left today (the older fair-use limit)
// The budget left is the token header when present, else the requests header; the budget
// spent is the fall of that same header between two answers (a rise is the daily reset).

import type { Metrics } from './metrics.js';

/** One CRM HTTP attempt, as the HTTP client's `onExchange` reports it (`CrmExchange`). */
export interface CrmAttempt {
  crm: string;
  method: string;
  /** Route template: ids already replaced by `:id`. */
  endpoint: string;
  /** null when no answer came. */
  status: number | null;
  ms: number;
  headers: Headers | null;
}

const WINDOW_REMAINING = 'x-ratelimit-remaining';
/** Daily budget headers, the most telling first. */
const DAILY_BUDGET = ['x-daily-ratelimit-token-remaining', 'x-daily-requests-left'] as const;

function headerNumber(headers: Headers, name: string): number | null {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return null;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : null;
}

/** The `onExchange` that feeds `metrics`; one per process (it remembers the last budget seen per CRM). */
export function crmExchangeRecorder(metrics: Metrics): (attempt: CrmAttempt) => void {
  const lastBudget = new Map<string, { header: string; left: number }>();
  return ({ crm: name, method, endpoint, status, ms, headers }) => {
    const crm = name.toLowerCase();
    metrics.crmRequests.inc({ crm, endpoint, method, status: status === null ? 'error' : String(status) });
    metrics.crmSeconds.observe({ crm, endpoint, method }, ms / 1000);
    if (!headers) return;
    const windowLeft = headerNumber(headers, WINDOW_REMAINING);
    if (windowLeft !== null) metrics.crmRateLimitRemaining.set({ crm }, windowLeft);
    for (const header of DAILY_BUDGET) {
      const left = headerNumber(headers, header);
      if (left === null) continue;
      metrics.crmDailyBudgetLeft.set({ crm }, left);
      const before = lastBudget.get(crm);
      if (before && before.header === header && left < before.left) metrics.crmBudgetSpent.inc({ crm }, before.left - left);
      lastBudget.set(crm, { header, left });
      break;
    }
  };
}
