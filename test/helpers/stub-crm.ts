// A `CrmClient` for service tests that need only a few of its operations: the ones a test
// gives, and every other one throwing when called, naming what called it, so a service that
// starts reading more than it should fails its test rather than get an empty answer.

import type { CrmClient } from '../../src/crm/port.js';

/** `usedBy` names the code under test in the error an unexpected call throws. */
export function stubCrm(usedBy: string, operations: Partial<CrmClient>): CrmClient {
  const unused = (): never => {
    throw new Error(`not used by ${usedBy}`);
  };
  return {
    provider: 'local',
    displayName: 'Test CRM',
    capabilities: { dealHistory: true, search: true, lostReason: true, notes: true },
    defaultCurrency: async () => 'EUR',
    listPipelines: unused,
    listStages: unused,
    listUsers: unused,
    getDeal: unused,
    searchDeals: unused,
    listDeals: unused,
    createDeal: unused,
    updateDeal: unused,
    moveDeal: unused,
    markWon: unused,
    markLost: unused,
    reopenDeal: unused,
    getDealHistory: unused,
    ...operations,
  };
}
