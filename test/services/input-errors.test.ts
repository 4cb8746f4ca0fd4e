// Mistakes Dealbot finds before asking any CRM are input errors, not CRM refusals: the
// person is told what to type, and is never told the CRM refused something it never saw.

import { beforeEach, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { ensureSeeded } from '../../src/crm/local/seed.js';
import type { CrmClient } from '../../src/crm/port.js';
import { CrmError, InvalidInputError } from '../../src/errors.js';
import { createDealService, type DealService } from '../../src/services/deal-service.js';
import { createStore } from '../../src/store/create-store.js';
import { errorMessage } from '../../src/ui/error-message.js';

let crm: CrmClient;
let deals: DealService;
let writes: string[];

beforeEach(async () => {
  const store = await createStore('memory://');
  const local = createLocalCrm({ store });
  await ensureSeeded(local, store);
  writes = [];
  crm = { ...local, createDeal: (input, options) => (writes.push(input.title), local.createDeal(input, options)) };
  deals = createDealService(crm, store);
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a failure'),
    (error: unknown) => error,
  );
}

describe('input errors', () => {
  it('a quick create with only an amount asks for a title, and the CRM is not asked', async () => {
    expect.assertions(5);
    const error = await failure(deals.quickCreate('12k EUR', 'trigger-no-title'));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).not.toBeInstanceOf(CrmError);
    expect(error).toMatchObject({ field: 'title', problem: 'missing', code: 'dealbot_invalid_input' });
    expect(writes).toEqual([]);
    expect(errorMessage(error, crm.displayName).summary).toBe('A deal needs a title, e.g. /deal new Acme renewal 12k EUR.');
  });

  it('a move to a stage that no longer exists says so, without blaming the CRM', async () => {
    const { deal } = await deals.quickCreate('Stale menu Ltd', 'trigger-stale');
    const error = await failure(deals.moveToStage(deal.id, 'no-such-stage'));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'stageId', problem: 'unknown', value: 'no-such-stage' });
    const words = errorMessage(error, crm.displayName).summary;
    expect(words).toContain('has no stage with id no-such-stage any more');
    expect(words).not.toContain('refused');
  });
});
