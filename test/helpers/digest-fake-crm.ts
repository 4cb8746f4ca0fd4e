// A CRM in memory for the digest tests: pipelines, stages and deals a test sets, `listDeals`
// honouring the query (pipeline, status, updatedSince) with cursor pages like a real
// adapter, and a count of calls so budget claims can be checked.

import { DateTime } from 'luxon';
import type { CrmClient, Deal, DealQuery, Page, Pipeline, Stage } from '../../src/crm/port.js';
import { lastChangedAt } from '../../src/crm/port.js';
import { CrmUnsupportedError } from '../../src/errors.js';
import { buildDeal } from './deal-builder.js';

export const T0 = DateTime.fromISO('2026-03-02T09:00:00', { zone: 'Europe/Berlin' });

export const salesPipeline: Pipeline = { id: '1', name: 'Sales', order: 1, isDefault: true };
export const partnerPipeline: Pipeline = { id: '2', name: 'Partners', order: 2, isDefault: false };

export const salesStages: Stage[] = [
  { id: '1', pipelineId: '1', name: 'Lead in', order: 1, probability: 10 },
  { id: '2', pipelineId: '1', name: 'Qualified', order: 2, probability: 30 },
  { id: '3', pipelineId: '1', name: 'Proposal made', order: 3, probability: 60 },
  { id: '4', pipelineId: '1', name: 'Negotiation', order: 4, probability: 80 },
];

export function deal(id: string, overrides: Partial<Deal> = {}): Deal {
  return buildDeal({ id, title: `Deal ${id}`, createdAt: T0.minus({ days: 30 }), updatedAt: T0.minus({ days: 1 }), ...overrides });
}

export interface FakeCrm extends CrmClient {
  deals: Map<string, Deal>;
  pipelines: Pipeline[];
  stages: Stage[];
  calls: { listDeals: DealQuery[]; listStages: number; listPipelines: number };
  put(...deals: Deal[]): void;
}

export function createFakeCrm(options: { pageSize?: number } = {}): FakeCrm {
  const pageSize = options.pageSize ?? 500;
  const unsupported = (what: string) => () => Promise.reject(new CrmUnsupportedError(what, { crm: 'Fake CRM' }));
  const crm: FakeCrm = {
    provider: 'local',
    displayName: 'Fake CRM',
    capabilities: { dealHistory: false, search: false, lostReason: true, notes: false },
    deals: new Map(),
    pipelines: [salesPipeline, partnerPipeline],
    stages: [...salesStages],
    calls: { listDeals: [], listStages: 0, listPipelines: 0 },
    put(...deals) {
      for (const d of deals) crm.deals.set(d.id, d);
    },
    defaultCurrency: () => Promise.resolve('EUR'),
    listPipelines: async () => {
      crm.calls.listPipelines += 1;
      return crm.pipelines;
    },
    listStages: async (pipelineId) => {
      crm.calls.listStages += 1;
      return crm.stages.filter((s) => pipelineId === undefined || s.pipelineId === pipelineId);
    },
    listUsers: () => Promise.resolve([]),
    async listDeals(query): Promise<Page<Deal>> {
      crm.calls.listDeals.push(query);
      const matching = [...crm.deals.values()].filter(
        (d) =>
          (query.pipelineId === undefined || d.pipelineId === query.pipelineId) &&
          (query.status === undefined || query.status.includes(d.status)) &&
          (query.updatedSince === undefined || lastChangedAt(d) >= query.updatedSince),
      );
      const start = query.cursor ? Number(query.cursor) : 0;
      const items = matching.slice(start, start + pageSize);
      const next = start + pageSize < matching.length ? String(start + pageSize) : null;
      return { items, nextCursor: next };
    },
    getDeal: unsupported('getDeal'),
    searchDeals: unsupported('searchDeals'),
    createDeal: unsupported('createDeal'),
    updateDeal: unsupported('updateDeal'),
    moveDeal: unsupported('moveDeal'),
    markWon: unsupported('markWon'),
    markLost: unsupported('markLost'),
    reopenDeal: unsupported('reopenDeal'),
    getDealHistory: unsupported('getDealHistory'),
  };
  return crm;
}
