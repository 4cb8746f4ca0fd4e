// `listDeals` as a fake CRM answers it: the deals matching the query's pipeline, statuses and
// `updatedSince`, a page at a time from the cursor (an offset), like a real adapter's paging.

import type { Deal, DealQuery, Page } from '../../src/crm/port.js';
import { lastChangedAt } from '../../src/crm/port.js';

export function pageOfDeals(deals: Deal[], query: DealQuery, pageSize: number): Page<Deal> {
  const matching = deals.filter(
    (d) =>
      (!query.pipelineId || d.pipelineId === query.pipelineId) &&
      (!query.status || query.status.includes(d.status)) &&
      (!query.updatedSince || lastChangedAt(d) >= query.updatedSince),
  );
  const start = Number(query.cursor ?? 0);
  const end = start + pageSize;
  return { items: matching.slice(start, end), nextCursor: end < matching.length ? String(end) : null };
}
