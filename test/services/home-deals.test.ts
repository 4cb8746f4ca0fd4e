import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalCrm, type LocalCrm } from '../../src/crm/local/local-crm.js';
import { homeTabFor, loadHomeDeals } from '../../src/services/home-deals.js';
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

describe('homeTabFor', () => {
  const at = DateTime.fromISO('2026-11-15T12:30:00Z', { zone: 'UTC' });

  it("lists the deals of the CRM user with the person's email (any case), read in the person's zone", async () => {
    await crm.createDeal({ title: 'Mine', expectedCloseDate: '2026-11-16', ownerId: '1' });
    await crm.createDeal({ title: "Grace's", expectedCloseDate: '2026-11-16', ownerId: '2' });
    const tab = await homeTabFor(crm, { email: ' ADA@example.com', tz: 'Pacific/Auckland' }, at);
    expect(tab.now.zoneName).toBe('Pacific/Auckland');
    expect([...tab.stageNames.values()]).toEqual(['Qualified']);
    if ('missingUser' in tab.deals) throw new Error('expected deals');
    // Monday in Auckland: the 16th is today there, so it closes this week, not later.
    expect(tab.deals.closingThisWeek.map((d) => d.title)).toEqual(['Mine']);
    expect(tab.deals.later).toEqual([]);
  });

  it('names the email that matched no CRM user, reads no deal, and falls back to UTC for an unknown zone', async () => {
    const tab = await homeTabFor(crm, { email: 'nobody@example.com', tz: 'Not/AZone' }, at);
    expect(tab.deals).toEqual({ missingUser: { email: 'nobody@example.com' } });
    expect(tab.now.zoneName).toBe('UTC');
  });
});
