import { describe, expect, it } from 'vitest';
import { createAlertStore, outboxEntryKey } from '../../src/store/alert-store.js';
import { createStore } from '../../src/store/create-store.js';
import { dealEvent } from '../services/alert-harness.js';

describe('a queued alert stored before snapshots kept the deal’s url', () => {
  it('reads back with url null; one queued with a url keeps it', async () => {
    const store = await createStore('memory://');
    const alerts = createAlertStore(store);
    const old = dealEvent('7', { kind: 'won' });
    // As the code before `url` wrote it: the snapshot has no such field at all.
    const { url: _gone, ...oldDeal } = old.deal;
    const linked = dealEvent('8', { kind: 'won' }, { deal: { url: 'https://acme.pipedrive.com/deal/8' } });
    const entries = [
      { key: outboxEntryKey('S1', old.id), subscriptionId: 'S1', event: { ...old, deal: oldDeal } as typeof old, enqueuedAt: old.at },
      { key: outboxEntryKey('S1', linked.id), subscriptionId: 'S1', event: linked, enqueuedAt: linked.at },
    ];
    await alerts.enqueue('C0SALES', entries);
    const read = await alerts.entries(
      'C0SALES',
      entries.map((e) => e.key),
    );
    expect(read.map((e) => [e.event.dealId, e.event.deal.url])).toEqual([
      ['7', null],
      ['8', 'https://acme.pipedrive.com/deal/8'],
    ]);
    expect('url' in read[0]!.event.deal).toBe(true);
  });
});
