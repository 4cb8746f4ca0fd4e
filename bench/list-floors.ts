// The fewest deal-list pages a board or a summary by close date could be read in, from the
// fake account's own deals. Pipedrive's deal list takes one status per request (or none), so
// for each answer the floor is the cheaper of one unfiltered list and one list per status.

import type { FakePipedrive } from './support/fake-pipedrive-server.js';

export interface ListFloor {
  /** Deal-list requests (10 tokens each). */
  pages: number;
  /** Deals the answer needs. */
  needed: number;
  why: string;
}

const PAGE = 500;
const pages = (n: number): number => Math.max(1, Math.ceil(n / PAGE));

export function listFloors(pd: FakePipedrive, pipelineId: number, monthStart: number): { board: ListFloor; summary: ListFloor } {
  const deals = pd.findDeals((d) => d.pipelineId === pipelineId);
  const count = (keep: (d: (typeof deals)[number]) => boolean) => deals.filter(keep).length;
  const open = count((d) => d.status === 'open');
  const won = count((d) => d.status === 'won');
  const lostSince = count((d) => d.status === 'lost' && d.updateTime >= monthStart);
  const wonSince = count((d) => d.status === 'won' && d.updateTime >= monthStart);
  const anySince = count((d) => d.updateTime >= monthStart);
  const closed = Math.min(pages(anySince), pages(wonSince) + pages(lostSince));
  const byClose = Math.min(pages(deals.length), pages(open) + pages(won));
  return {
    board: {
      pages: pages(open) + closed,
      needed: open + wonSince + lostSince,
      why: `${pages(open)} open + ${closed} closed-this-month page(s)`,
    },
    summary: { pages: byClose, needed: open + won, why: `${byClose} page(s) of open and won deals` },
  };
}
