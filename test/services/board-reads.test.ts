// `readPipelineBoard`: identical board requests that arrive while a read is in progress share
// that one read of the CRM, and get the board a read of their own would give. What the CRM
// received is counted at the port; the CRM holds each answer until the test lets it go, so
// "concurrent" is made, not hoped for.

import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { CrmClient, Deal, DealQuery, Stage } from '../../src/crm/port.js';
import { CrmUnavailableError } from '../../src/errors.js';
import { buildPipelineBoard, readPipelineBoard } from '../../src/services/pipeline-board.js';
import { buildDeal } from '../helpers/deal-builder.js';
import { pageOfDeals } from '../helpers/deal-pages.js';
import { stubCrm } from '../helpers/stub-crm.js';

const NOW = DateTime.fromISO('2026-11-20T10:00:00', { zone: 'Europe/Berlin' });
const STAGES: Stage[] = [
  { id: 's1', pipelineId: '1', name: 'Lead', order: 1, probability: 20 },
  { id: 's2', pipelineId: '1', name: 'Proposal', order: 2, probability: 60 },
];

function deals(): Deal[] {
  const at = NOW.minus({ days: 3 });
  return Array.from({ length: 7 }, (_, i) =>
    buildDeal({
      id: String(i + 1),
      stageId: i % 2 === 0 ? 's1' : 's2',
      value: { amount: 1000 * (i + 1), currency: 'EUR' },
      createdAt: at,
      updatedAt: at,
      ...(i === 6 ? { status: 'won' as const, closedAt: at } : {}),
    }),
  );
}

/** A CRM whose every answer waits for `release()`; it counts what it was asked. */
function heldCrm(held: Deal[], options: { fail?: boolean } = {}) {
  const calls: string[] = [];
  let open!: () => void;
  let gate = new Promise<void>((resolve) => (open = resolve));
  const crm: CrmClient = stubCrm('readPipelineBoard', {
    async listStages(pipelineId) {
      calls.push(`listStages ${pipelineId}`);
      await gate;
      if (options.fail) throw new CrmUnavailableError('timeout', { crm: 'Test CRM' });
      return STAGES.filter((s) => !pipelineId || s.pipelineId === pipelineId);
    },
    async listDeals(query: DealQuery) {
      calls.push(`listDeals ${query.status?.join('+')} ${query.cursor ?? 'first'}`);
      await gate;
      return pageOfDeals(held, query, 3);
    },
  });
  return {
    crm,
    calls,
    release: () => open(),
    /** Answers are held again from now on. */
    hold: () => {
      gate = new Promise<void>((resolve) => (open = resolve));
    },
  };
}

const request = { pipelineId: '1', zone: 'Europe/Berlin', now: NOW };

describe('readPipelineBoard', () => {
  it('serves 20 boards asked at once with one read of the CRM, each equal to a board read alone', async () => {
    const held = deals();
    const { crm, calls, release } = heldCrm(held);
    const boards = Array.from({ length: 20 }, () => readPipelineBoard(crm, request));
    release();
    const answers = await Promise.all(boards);

    // One read: the stages once, the open deals' two pages (3 a page, 6 open deals), the closed once.
    expect(calls.filter((c) => c.startsWith('listStages'))).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('listDeals open'))).toEqual(['listDeals open first', 'listDeals open 3']);
    expect(calls.filter((c) => c.startsWith('listDeals won+lost'))).toEqual(['listDeals won+lost first']);

    const alone = await buildPipelineBoard(
      stubCrm('alone', { listStages: async () => STAGES, listDeals: async (q) => pageOfDeals(held, q, 3) }),
      request,
    );
    for (const board of answers) expect(board).toEqual(alone);
    expect(answers[0]?.stages.map((s) => [s.stage.name, s.count])).toEqual([
      ['Lead', 3],
      ['Proposal', 3],
    ]);
    expect(answers[0]?.won.count).toBe(1);
  });

  it('reads again for a request made after the shared read finished: a deal added since is on the next board', async () => {
    const held = deals();
    const { crm, calls, release, hold } = heldCrm(held);
    const first = readPipelineBoard(crm, request);
    release();
    expect((await first).totals.count).toBe(6);

    held.push(buildDeal({ id: '8', stageId: 's2', createdAt: NOW, updatedAt: NOW }));
    hold();
    const second = readPipelineBoard(crm, request);
    release();
    expect((await second).totals.count).toBe(7);
    expect(calls.filter((c) => c.startsWith('listStages'))).toHaveLength(2);
  });

  it('does not share a read between different pipelines, zones, months, list sizes or CRM clients', async () => {
    const held = deals();
    const one = heldCrm(held);
    const other = heldCrm(held);
    const reads = [
      readPipelineBoard(one.crm, request),
      readPipelineBoard(one.crm, { ...request, pipelineId: '2' }),
      readPipelineBoard(one.crm, { ...request, zone: 'America/New_York' }),
      readPipelineBoard(one.crm, { ...request, now: NOW.plus({ months: 1 }) }),
      readPipelineBoard(one.crm, { ...request, topN: 5 }),
      readPipelineBoard(other.crm, request),
      // The same month in the same zone, a few hours later: the same board, shared.
      readPipelineBoard(one.crm, { ...request, now: NOW.plus({ hours: 5 }) }),
    ];
    one.release();
    other.release();
    await Promise.all(reads);
    expect(one.calls.filter((c) => c.startsWith('listStages'))).toHaveLength(5);
    expect(other.calls.filter((c) => c.startsWith('listStages'))).toHaveLength(1);
  });

  it('gives every request sharing a failed read its error, and reads again on the next request', async () => {
    const failing = heldCrm(deals(), { fail: true });
    const reads = Array.from({ length: 3 }, () => readPipelineBoard(failing.crm, request));
    failing.release();
    for (const read of reads) await expect(read).rejects.toBeInstanceOf(CrmUnavailableError);
    expect(failing.calls.filter((c) => c.startsWith('listStages'))).toHaveLength(1);

    await expect(readPipelineBoard(failing.crm, request)).rejects.toBeInstanceOf(CrmUnavailableError);
    expect(failing.calls.filter((c) => c.startsWith('listStages'))).toHaveLength(2);
  });
});
