// A port `Deal` for tests that need one without a CRM: an open deal worth 1,000 EUR in stage
// 1 of pipeline 1, with nothing optional set. A test states its id and times, and the fields
// its behaviour hangs on, and leaves the rest to this.

import type { Deal } from '../../src/crm/port.js';

export function buildDeal(fields: Pick<Deal, 'id' | 'createdAt' | 'updatedAt'> & Partial<Deal>): Deal {
  const { id, createdAt, updatedAt, ...rest } = fields;
  return {
    id,
    title: 'A deal',
    value: { amount: 1000, currency: 'EUR' },
    status: 'open',
    pipelineId: '1',
    stageId: '1',
    ownerId: null,
    organization: null,
    person: null,
    expectedCloseDate: null,
    probability: null,
    lostReason: null,
    createdAt,
    updatedAt,
    stageChangedAt: null,
    closedAt: null,
    url: null,
    ...rest,
  };
}
