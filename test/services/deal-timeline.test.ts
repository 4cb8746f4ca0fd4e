import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Deal, DealChange, Page } from '../../src/crm/port.js';
import { CrmNotFoundError, CrmUnavailableError, CrmUnsupportedError } from '../../src/errors.js';
import { TIMELINE_PAGE_SIZE, loadDealTimeline, summarizeTimeline } from '../../src/services/deal-timeline.js';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { ensureSeeded } from '../../src/crm/local/seed.js';
import { createStore } from '../../src/store/create-store.js';
import { buildDeal } from '../helpers/deal-builder.js';
import { stubCrm } from '../helpers/stub-crm.js';

const NOW = DateTime.fromISO('2026-11-20T10:00:00', { zone: 'Europe/Berlin' });

function makeDeal(overrides: Partial<Deal> = {}): Deal {
  return buildDeal({
    id: '42',
    title: 'Acme renewal',
    stageId: 's3',
    createdAt: NOW.minus({ days: 45, hours: 1 }),
    updatedAt: NOW.minus({ days: 1 }),
    ...overrides,
  });
}

/** `count` history entries, newest first, one hour apart. */
function history(count: number): DealChange[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: 'note' as const,
    at: NOW.minus({ hours: i + 1 }),
    actor: 'u1',
    text: `entry ${i}`,
  }));
}

/** A CRM fake whose history comes in pages of `crmPageSize`; records each history read. */
function fakeCrm(options: {
  deal?: Deal;
  changes?: DealChange[];
  crmPageSize?: number;
  dealHistory?: boolean;
  historySource?: 'crm' | 'dealbot';
  historyError?: Error;
}) {
  const reads: Array<string | null> = [];
  const deal = options.deal ?? makeDeal();
  const pageSize = options.crmPageSize ?? 100;
  const crm = stubCrm('the timeline', {
    capabilities: {
      dealHistory: options.dealHistory ?? true,
      search: true,
      lostReason: true,
      notes: true,
      ...(options.historySource ? { historySource: options.historySource } : {}),
    },
    async getDeal(id) {
      if (id !== deal.id) throw new CrmNotFoundError('deal', id, { crm: 'Test CRM' });
      return deal;
    },
    async getDealHistory(_id, cursor): Promise<Page<DealChange>> {
      reads.push(cursor ?? null);
      if (options.historyError) throw options.historyError;
      const all = options.changes ?? [];
      const start = cursor ? Number(cursor.replace('page-', '')) : 0;
      const end = start + pageSize;
      return { items: all.slice(start, end), nextCursor: end < all.length ? `page-${end}` : null };
    },
  });
  return { crm, reads };
}

describe('loadDealTimeline', () => {
  it('returns the deal and its newest entries, with no cursor when everything fits', async () => {
    const { crm } = fakeCrm({ changes: history(3) });
    const timeline = await loadDealTimeline(crm, '42');
    expect(timeline.deal.id).toBe('42');
    expect(timeline.changes.map((c) => (c.kind === 'note' ? c.text : ''))).toEqual(['entry 0', 'entry 1', 'entry 2']);
    expect(timeline).toMatchObject({ nextCursor: null, supported: true, isFirstPage: true, historySource: 'crm', journalSince: null });
  });

  it('says when the history is Dealbot’s journal, and from when, once the page reaches its start', async () => {
    const all = history(30);
    const { crm } = fakeCrm({ changes: all, crmPageSize: 25, historySource: 'dealbot' });
    const first = await loadDealTimeline(crm, '42');
    expect(first).toMatchObject({ historySource: 'dealbot', journalSince: null });
    const second = await loadDealTimeline(crm, '42', first.nextCursor);
    expect(second.journalSince).toBeNull();
    const last = await loadDealTimeline(crm, '42', second.nextCursor);
    expect(last.nextCursor).toBeNull();
    expect(last.journalSince?.toMillis()).toBe(all[29]?.at.toMillis());
    const empty = await loadDealTimeline(fakeCrm({ changes: [], historySource: 'dealbot' }).crm, '42');
    expect(empty).toMatchObject({ changes: [], supported: true, historySource: 'dealbot', journalSince: null });
  });

  it('pages through 500 entries a message at a time, each entry once, in order', async () => {
    const all = history(500);
    const { crm, reads } = fakeCrm({ changes: all, crmPageSize: 50 });
    const seen: DealChange[] = [];
    let cursor: string | null = null;
    let messages = 0;
    do {
      const page = await loadDealTimeline(crm, '42', cursor);
      expect(page.changes.length).toBeLessThanOrEqual(TIMELINE_PAGE_SIZE);
      expect(page.isFirstPage).toBe(messages === 0);
      seen.push(...page.changes);
      cursor = page.nextCursor;
      messages += 1;
    } while (cursor !== null && messages < 100);
    expect(seen).toEqual(all);
    // A CRM page of 50 gives messages of 20, 20 and 10 entries; it is read once per message.
    expect(messages).toBe(30);
    expect(reads).toHaveLength(30);
    expect(new Set(reads).size).toBe(10);
  });

  it('reads a CRM page once per message when the CRM pages at the message size', async () => {
    const { crm, reads } = fakeCrm({ changes: history(45), crmPageSize: TIMELINE_PAGE_SIZE });
    const first = await loadDealTimeline(crm, '42');
    const second = await loadDealTimeline(crm, '42', first.nextCursor);
    const third = await loadDealTimeline(crm, '42', second.nextCursor);
    expect([first.changes.length, second.changes.length, third.changes.length]).toEqual([20, 20, 5]);
    expect(third.nextCursor).toBeNull();
    expect(reads).toEqual([null, 'page-20', 'page-40']);
  });

  it('accepts a bare CRM cursor as the start of that page', async () => {
    const { crm } = fakeCrm({ changes: history(30), crmPageSize: 10 });
    const page = await loadDealTimeline(crm, '42', 'page-10');
    expect(page.changes[0]).toMatchObject({ text: 'entry 10' });
    expect(page.isFirstPage).toBe(false);
  });

  it('reports no history, without asking for it, when the CRM keeps none', async () => {
    const { crm, reads } = fakeCrm({ changes: history(3), dealHistory: false });
    expect(await loadDealTimeline(crm, '42')).toMatchObject({ changes: [], nextCursor: null, supported: false });
    expect(reads).toEqual([]);
  });

  it('reports no history when the CRM refuses it as unsupported despite its capabilities', async () => {
    const { crm } = fakeCrm({ historyError: new CrmUnsupportedError('deal history', { crm: 'Test CRM' }) });
    expect(await loadDealTimeline(crm, '42')).toMatchObject({ supported: false, changes: [] });
  });

  it('lets other CRM failures and unknown deals through to the error handler', async () => {
    const outage = new CrmUnavailableError('timeout', { crm: 'Test CRM' });
    await expect(loadDealTimeline(fakeCrm({ historyError: outage }).crm, '42')).rejects.toBe(outage);
    await expect(loadDealTimeline(fakeCrm({}).crm, '7')).rejects.toBeInstanceOf(CrmNotFoundError);
  });
});

describe('summarizeTimeline', () => {
  const move = (hoursAgo: number, from: string | null, to: string): DealChange => ({
    kind: 'stage',
    at: NOW.minus({ hours: hoursAgo }),
    actor: null,
    fromStageId: from,
    toStageId: to,
  });

  it('gives the age, the time in the current stage from the newest move into it, and the moves', () => {
    const changes = [move(24 * 12, 's2', 's3'), move(24 * 20, 's1', 's2'), ...history(2)];
    const summary = summarizeTimeline(makeDeal(), changes, NOW, false);
    expect(summary).toMatchObject({ ageDays: 45, daysInStage: 12, stageMoves: 2, stageMovesAtLeast: false, closed: null });
  });

  it('prefers the CRM’s own stage-change time', () => {
    const summary = summarizeTimeline(makeDeal({ stageChangedAt: NOW.minus({ days: 3 }) }), [move(24 * 12, 's2', 's3')], NOW, false);
    expect(summary.daysInStage).toBe(3);
  });

  it('says "at least" when older entries exist or the page is not the newest', () => {
    expect(summarizeTimeline(makeDeal(), [move(5, 's2', 's3')], NOW, true).stageMovesAtLeast).toBe(true);
    expect(summarizeTimeline(makeDeal(), [move(5, 's2', 's3')], NOW, false, { isFirstPage: false }).stageMovesAtLeast).toBe(true);
  });

  it('counts the time in stage from creation when the whole history shows no move, and not when it is cut', () => {
    expect(summarizeTimeline(makeDeal(), history(2), NOW, false).daysInStage).toBe(45);
    expect(
      summarizeTimeline(makeDeal(), history(2), NOW, false, { supported: true, historySource: 'crm', isFirstPage: true }).daysInStage,
    ).toBe(45);
    expect(summarizeTimeline(makeDeal(), history(2), NOW, true).daysInStage).toBeNull();
    expect(summarizeTimeline(makeDeal(), history(2), NOW, false, { isFirstPage: false }).daysInStage).toBeNull();
  });

  it('claims no time in stage from creation when there is no history, or only Dealbot’s journal', () => {
    // Dealbot's journal misses moves made in the CRM itself; no history says nothing at all.
    const journal = summarizeTimeline(makeDeal(), history(2), NOW, false, { historySource: 'dealbot' });
    expect(journal).toMatchObject({ daysInStage: null, stageSince: null, stageMovesAtLeast: true });
    expect(summarizeTimeline(makeDeal(), [], NOW, false, { supported: false }).daysInStage).toBeNull();
    // A move the journal saw into the current stage still counts, as does the CRM's own time.
    expect(summarizeTimeline(makeDeal(), [move(24 * 4, 's2', 's3')], NOW, false, { historySource: 'dealbot' }).daysInStage).toBe(4);
    const stamped = makeDeal({ stageChangedAt: NOW.minus({ days: 3 }) });
    expect(summarizeTimeline(stamped, [], NOW, false, { supported: false }).daysInStage).toBe(3);
  });

  it('takes a loaded timeline as its options', async () => {
    const { crm } = fakeCrm({ changes: history(2), historySource: 'dealbot' });
    const timeline = await loadDealTimeline(crm, '42');
    expect(summarizeTimeline(timeline.deal, timeline.changes, NOW, false, timeline).daysInStage).toBeNull();
    const plain = await loadDealTimeline(fakeCrm({ changes: history(2) }).crm, '42');
    expect(summarizeTimeline(plain.deal, plain.changes, NOW, false, plain).daysInStage).toBe(45);
  });

  it('counts calendar days to the expected close in the viewer’s zone, negative when overdue', () => {
    const deal = (date: string) => makeDeal({ expectedCloseDate: date });
    expect(summarizeTimeline(deal('2026-11-25'), [], NOW, false).daysToClose).toBe(5);
    expect(summarizeTimeline(deal('2026-11-20'), [], NOW, false).daysToClose).toBe(0);
    expect(summarizeTimeline(deal('2026-11-17'), [], NOW, false).daysToClose).toBe(-3);
    // 23:30 on the 20th in Berlin is already the 21st in Tokyo: one day less to go there.
    const late = DateTime.fromISO('2026-11-20T23:30:00', { zone: 'Europe/Berlin' });
    expect(summarizeTimeline(deal('2026-11-25'), [], late, false).daysToClose).toBe(5);
    expect(summarizeTimeline(deal('2026-11-25'), [], late.setZone('Asia/Tokyo'), false).daysToClose).toBe(4);
  });

  it('gives no days to close for a closed deal, and says when it closed', () => {
    const won = makeDeal({ status: 'won', expectedCloseDate: '2026-11-01', closedAt: NOW.minus({ days: 2 }) });
    expect(summarizeTimeline(won, [], NOW, false)).toMatchObject({ daysToClose: null, closed: { status: 'won' } });
  });
});

describe('loadDealTimeline with a deal already read', () => {
  it('reads only the history, not the deal again', async () => {
    const store = await createStore('memory://');
    const local = createLocalCrm({ store });
    await ensureSeeded(local, store);
    const deal = await local.getDeal('1');
    let reads = 0;
    const counting = { ...local, getDeal: async (id: string) => ((reads += 1), local.getDeal(id)) };
    const timeline = await loadDealTimeline(counting, deal);
    expect(timeline.deal).toBe(deal);
    expect(timeline.changes.length).toBeGreaterThan(0);
    expect(reads).toBe(0);
    await loadDealTimeline(counting, deal.id);
    expect(reads).toBe(1);
    await store.close();
  });
});
