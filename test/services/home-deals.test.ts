import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalCrm, type LocalCrm } from '../../src/crm/local/local-crm.js';
import { loadHomeDeals } from '../../src/services/home-deals.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';

let store: Store;
let crm: LocalCrm;

beforeEach(async () => {
  store = await createStore('memory://');
  crm = createLocalCrm({ store });
  const pipeline = await crm.createPipeline({ name: 'Sales' });
  await crm.createStage({ pipelineId: pipeline.id, name: 'Qualified' });
  await crm.createUser({ name: 'Ada', email: 'ada@example.com' });
  await crm.createUser({ name: 'Grace', email: 'grace@example.com' });
});

afterEach(async () => {
  await store.close();
});

describe('loadHomeDeals', () => {
  it("sorts the owner's open deals into overdue, this week (to Sunday, in their zone) and later", async () => {
    const deal = (title: string, expectedCloseDate: string | null, ownerId = '1') => crm.createDeal({ title, expectedCloseDate, ownerId });
    await deal('Late', '2026-11-15');
    await deal('Later late', '2026-11-01');
    await deal('Today', '2026-11-16');
    await deal('Sunday', '2026-11-22');
    await deal('Next Monday', '2026-11-23');
    await deal('Undated', null);
    await deal("Grace's", '2026-11-17', '2');
    const won = await deal('Won already', '2026-11-17');
    await crm.markWon(won.id);

    // Monday 00:30 in Auckland is still Sunday in UTC: the week is the reader's.
    const now = DateTime.fromISO('2026-11-16T00:30:00', { zone: 'Pacific/Auckland' });
    const home = await loadHomeDeals(crm, { ownerId: '1', now });
    const titles = (deals: Array<{ title: string }>) => deals.map((d) => d.title);
    expect(titles(home.overdue)).toEqual(['Later late', 'Late']);
    expect(titles(home.closingThisWeek)).toEqual(['Today', 'Sunday']);
    expect(titles(home.later)).toEqual(['Next Monday', 'Undated']);
    expect(home.truncated).toBe(false);
  });
});
