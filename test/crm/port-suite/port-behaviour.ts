// The CRM port's behaviour as one suite that every adapter runs (local, Pipedrive v2 and v1,
// Productive, PipelineDeals), so the services can rely on the same answer whichever CRM is
// configured. Each adapter's test file passes a harness that builds its client and arranges
// the CRM's side of each scenario: records in the embedded store for the local CRM, a fake of
// the CRM's HTTP API (nock, answering in the shapes of test/fixtures/<crm>/) for the others.
//
// The contract these tests hold every adapter to is written down in src/crm/port.ts.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CrmClient, Deal, DealStatus, Money, Page, Stage } from '../../../src/crm/port.js';
import { CrmError, CrmNotFoundError, CrmUnsupportedError, CrmValidationError } from '../../../src/errors.js';

/** A deal as a scenario needs it; everything absent takes a plain default. */
export interface GivenDeal {
  /** Default `Deal <n>`. */
  title?: string;
  /** Default open. A won or lost deal is closed the way its CRM closes deals. */
  status?: DealStatus;
  /** Default the first stage `givenStages` made. */
  stageId?: string;
  /** For a lost deal. */
  lostReason?: string | null;
  value?: Money | null;
  /** The deal's own win probability; the CRM's default when absent. */
  probability?: number | null;
}

export interface PortHarness {
  /** Before each test: an empty CRM and, for a remote one, one fresh nock scope. */
  reset(): Promise<void>;
  /** After each test: fails it when the adapter sent a request the CRM's fake does not serve. */
  verify(): Promise<void>;
  /** A fresh client, with nothing remembered from an earlier client. */
  client(): CrmClient;
  /** The open stages of the default pipeline, in board order. */
  givenStages(names: string[]): Promise<Stage[]>;
  /** Returns the new deal's id. */
  givenDeal(deal?: GivenDeal): Promise<string>;
  /**
   * Only for CRMs where a lost stage can demand a reason (Productive's `lost_reason_enabled`):
   * makes it demand one, and returns the reasons it accepts.
   */
  givenLostReasonRequired?: () => Promise<string[]>;
  /** Requests that reached the CRM's API so far (always 0 for the embedded CRM). */
  requestCount(): number;
}

/** An id no CRM of the suite has a deal or stage for. */
export const UNKNOWN_ID = '999999';
const STAGE_NAMES = ['Lead', 'Proposal', 'Negotiation'];
/** More pages than any listing below can need; a loop that reaches it never ends. */
const PAGE_BOUND = 10;

async function rejection(promise: Promise<unknown>): Promise<CrmError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a CrmError, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(CrmError);
  return outcome.error as CrmError;
}

const millis = (deal: Deal): number | null => deal.closedAt?.toMillis() ?? null;

export function describePortBehaviour(name: string, harness: PortHarness): void {
  describe(`the CRM port on ${name}`, () => {
    let crm: CrmClient;
    let stages: Stage[];
    const stage = (index: number): Stage => {
      const found = stages[index];
      if (!found) throw new Error(`no stage ${index}`);
      return found;
    };

    beforeEach(async () => {
      await harness.reset();
      stages = await harness.givenStages(STAGE_NAMES);
      crm = harness.client();
    });

    afterEach(async () => {
      await harness.verify();
    });

    describe('reading', () => {
      it('lists the open stages of the board in order; any won or lost stage it lists is marked as closing', async () => {
        const listed = await crm.listStages(stage(0).pipelineId);
        const open = listed.filter((s) => !s.closes);

        expect(open.map((s) => [s.id, s.name, s.pipelineId])).toEqual(stages.map((s) => [s.id, s.name, s.pipelineId]));
        for (const closing of listed.filter((s) => s.closes)) expect(['won', 'lost']).toContain(closing.closes);
      });

      it('gets a deal with its title, value, stage, pipeline and open status', async () => {
        const id = await harness.givenDeal({ title: 'Acme rollout', value: { amount: 1500, currency: 'EUR' }, stageId: stage(1).id });

        const deal = await crm.getDeal(id);

        expect(deal).toMatchObject({
          id,
          title: 'Acme rollout',
          value: { amount: 1500, currency: 'EUR' },
          status: 'open',
          stageId: stage(1).id,
          pipelineId: stage(1).pipelineId,
          lostReason: null,
          closedAt: null,
        });
        expect(deal.createdAt.isValid && (deal.updatedAt === null || deal.updatedAt.isValid)).toBe(true);
      });

      it.each([UNKNOWN_ID, 'not-a-deal'])('answers the unknown deal %s with CrmNotFoundError naming it', async (id) => {
        const error = await rejection(crm.getDeal(id));

        expect(error).toBeInstanceOf(CrmNotFoundError);
        expect(error).toMatchObject({ entity: 'deal', id });
      });

      it.each([
        ['moving', (c: CrmClient, s: Stage) => c.moveDeal(UNKNOWN_ID, s.id)],
        ['winning', (c: CrmClient) => c.markWon(UNKNOWN_ID)],
        ['losing', (c: CrmClient) => c.markLost(UNKNOWN_ID, null)],
        ['reopening', (c: CrmClient) => c.reopenDeal(UNKNOWN_ID)],
        ['renaming', (c: CrmClient) => c.updateDeal(UNKNOWN_ID, { title: 'Renamed' })],
      ])('answers %s an unknown deal with CrmNotFoundError', async (_what, write) => {
        const error = await rejection(write(crm, stage(1)));

        expect(error).toBeInstanceOf(CrmNotFoundError);
        expect(error).toMatchObject({ entity: 'deal', id: UNKNOWN_ID });
      });
    });

    describe('moving', () => {
      it('moves a deal to a known stage, and it stays there', async () => {
        const id = await harness.givenDeal({ stageId: stage(0).id });

        const moved = await crm.moveDeal(id, stage(2).id);

        expect(moved).toMatchObject({ id, stageId: stage(2).id, pipelineId: stage(2).pipelineId, status: 'open' });
        expect((await crm.getDeal(id)).stageId).toBe(stage(2).id);
      });

      it("refuses an unknown stage as a CrmValidationError on 'stageId', leaving the deal where it was", async () => {
        const id = await harness.givenDeal({ stageId: stage(1).id });

        const error = await rejection(crm.moveDeal(id, UNKNOWN_ID));

        expect(error).toBeInstanceOf(CrmValidationError);
        expect((error as CrmValidationError).field).toBe('stageId');
        expect((await crm.getDeal(id)).stageId).toBe(stage(1).id);
      });
    });

    describe('winning', () => {
      it('wins an open deal: won, with a close time and no lost reason', async () => {
        const id = await harness.givenDeal();

        const won = await crm.markWon(id);

        expect(won).toMatchObject({ id, status: 'won', lostReason: null });
        expect(won.closedAt?.isValid).toBe(true);
        expect((await crm.getDeal(id)).status).toBe('won');
      });

      it('winning a won deal succeeds and changes nothing: same stage, same close time', async () => {
        const id = await harness.givenDeal({ status: 'won', stageId: stage(1).id });
        const before = await crm.getDeal(id);

        const again = await crm.markWon(id);
        const after = await crm.getDeal(id);

        for (const deal of [again, after]) {
          expect(deal).toMatchObject({ status: 'won', stageId: before.stageId, pipelineId: before.pipelineId });
          expect(millis(deal)).toBe(millis(before));
        }
      });

      it('wins a lost deal straight away and drops its lost reason', async () => {
        const id = await harness.givenDeal({ status: 'lost', lostReason: 'Timing' });

        const won = await crm.markWon(id);

        expect(won).toMatchObject({ status: 'won', lostReason: null });
      });
    });

    describe('losing', () => {
      it.each(['Price', 'Budget frozen until spring'])('loses an open deal with the reason "%s"', async (reason) => {
        const id = await harness.givenDeal();

        const lost = await crm.markLost(id, reason);

        expect(lost).toMatchObject({ id, status: 'lost', lostReason: reason });
        expect(lost.closedAt?.isValid).toBe(true);
        expect((await crm.getDeal(id)).lostReason).toBe(reason);
      });

      it('loses an open deal without a reason where none is required', async () => {
        const id = await harness.givenDeal();

        const lost = await crm.markLost(id, null);

        expect(lost).toMatchObject({ status: 'lost', lostReason: null });
      });

      it('losing a lost deal again keeps it lost and takes the new reason', async () => {
        const id = await harness.givenDeal({ status: 'lost', lostReason: 'Timing' });

        const lost = await crm.markLost(id, 'Price');

        expect(lost).toMatchObject({ status: 'lost', lostReason: 'Price' });
      });

      describe.skipIf(!harness.givenLostReasonRequired)('where the lost stage demands a reason', () => {
        let accepted: string[];
        beforeEach(async () => {
          accepted = (await harness.givenLostReasonRequired?.()) ?? [];
          crm = harness.client();
        });

        it("refuses to lose a deal without a reason, on 'lostReason', naming the reasons it takes", async () => {
          const id = await harness.givenDeal();

          const error = await rejection(crm.markLost(id, null));

          expect(error).toBeInstanceOf(CrmValidationError);
          expect((error as CrmValidationError).field).toBe('lostReason');
          for (const reason of accepted) expect((error as CrmValidationError).crmMessage).toContain(reason);
          expect((await crm.getDeal(id)).status).toBe('open');
        });

        it("refuses a reason that is not one of the CRM's", async () => {
          const id = await harness.givenDeal();

          const error = await rejection(crm.markLost(id, 'The moon was in the wrong phase'));

          expect((error as CrmValidationError).field).toBe('lostReason');
          expect((await crm.getDeal(id)).status).toBe('open');
        });

        it('loses a deal with one of its reasons, however it is capitalised', async () => {
          const id = await harness.givenDeal();
          const reason = accepted[0] ?? '';

          const lost = await crm.markLost(id, ` ${reason.toUpperCase()} `);

          expect(lost).toMatchObject({ status: 'lost', lostReason: reason });
        });
      });
    });

    describe('reopening', () => {
      it.each(['won', 'lost'] as const)('reopens a %s deal: open, no close time, no lost reason', async (status) => {
        const id = await harness.givenDeal({ status, lostReason: status === 'lost' ? 'Price' : null });

        const reopened = await crm.reopenDeal(id);

        expect(reopened).toMatchObject({ id, status: 'open', closedAt: null, lostReason: null });
        expect((await crm.getDeal(id)).status).toBe('open');
      });

      it('reopening an open deal succeeds and changes nothing: same stage, same probability', async () => {
        const id = await harness.givenDeal({ stageId: stage(1).id, probability: 30 });
        const before = await crm.getDeal(id);

        const again = await crm.reopenDeal(id);

        for (const deal of [again, await crm.getDeal(id)]) {
          expect(deal).toMatchObject({ status: 'open', stageId: stage(1).id, probability: before.probability });
        }
      });
    });

    describe('listing', () => {
      async function everyPage(limit: number): Promise<Array<Page<Deal>>> {
        const pages: Array<Page<Deal>> = [];
        let cursor: string | null = null;
        do {
          const page: Page<Deal> = await crm.listDeals({ limit, cursor });
          pages.push(page);
          cursor = page.nextCursor;
        } while (cursor !== null && pages.length < PAGE_BOUND);
        return pages;
      }

      const givenDeals = async (count: number): Promise<string[]> => {
        const ids: string[] = [];
        for (let n = 1; n <= count; n++) ids.push(await harness.givenDeal({ title: `Deal ${n}` }));
        return ids;
      };

      it('pages through every deal once, and the last page has no cursor', async () => {
        const ids = await givenDeals(5);

        const pages = await everyPage(2);

        expect(pages.at(-1)?.nextCursor).toBeNull();
        expect(pages.length).toBeLessThanOrEqual(3);
        for (const page of pages) expect(page.items.length).toBeLessThanOrEqual(2);
        expect(pages.flatMap((p) => p.items.map((d) => d.id)).sort()).toEqual([...ids].sort());
      });

      it('stops when the deals fill the last page exactly: at most one empty page, then no cursor', async () => {
        const ids = await givenDeals(4);

        const pages = await everyPage(2);

        expect(pages.at(-1)?.nextCursor).toBeNull();
        expect(pages.length).toBeLessThanOrEqual(3);
        expect(pages.slice(0, 2).every((p) => p.items.length === 2)).toBe(true);
        expect(pages.flatMap((p) => p.items.map((d) => d.id)).sort()).toEqual([...ids].sort());
      });

      it('lists only the statuses asked for', async () => {
        const open = await harness.givenDeal({ title: 'Open one' });
        const won = await harness.givenDeal({ title: 'Won one', status: 'won' });
        const lost = await harness.givenDeal({ title: 'Lost one', status: 'lost' });

        const onlyWon = await crm.listDeals({ status: ['won'] });
        const openOrLost = await crm.listDeals({ status: ['open', 'lost'] });

        expect(onlyWon.items.map((d) => d.id)).toEqual([won]);
        expect(openOrLost.items.map((d) => d.id).sort()).toEqual([open, lost].sort());
      });
    });

    describe('searching', () => {
      beforeEach(async () => {
        await harness.givenDeal({ title: 'Acme rollout' });
        await harness.givenDeal({ title: 'Acme renewal' });
        await harness.givenDeal({ title: 'Acme expansion' });
        await harness.givenDeal({ title: 'Globex pilot' });
      });

      it('finds deals by a word of their title, and says when there are more than it returned', async () => {
        const few = await crm.searchDeals('acme', { limit: 2 });
        const all = await crm.searchDeals('acme', { limit: 10 });

        expect(few.hits).toHaveLength(2);
        expect(few.more).toBe(true);
        expect(all.more).toBe(false);
        expect(all.hits.map((h) => h.title).sort()).toEqual(['Acme expansion', 'Acme renewal', 'Acme rollout']);
        expect(all.hits.every((h) => h.status === 'open' && h.stageId === stage(0).id)).toBe(true);
      });

      it('finds nothing, and no more, for words no deal has', async () => {
        await expect(crm.searchDeals('zyxwvut')).resolves.toEqual({ hits: [], more: false });
      });
    });

    describe('capabilities', () => {
      it('getDealHistory does what capabilities.dealHistory says', async () => {
        const id = await harness.givenDeal({ stageId: stage(0).id });
        if (crm.capabilities.dealHistory) {
          await crm.moveDeal(id, stage(2).id);

          const history = await crm.getDealHistory(id);

          // Newest first: the move just made is on top.
          expect(history.items[0]).toMatchObject({ kind: 'stage', toStageId: stage(2).id });
          const times = history.items.map((c) => c.at.toMillis());
          expect(times).toEqual([...times].sort((a, b) => b - a));
        } else {
          const spent = harness.requestCount();

          const error = await rejection(crm.getDealHistory(id));

          expect(error).toBeInstanceOf(CrmUnsupportedError);
          // The capability is known up front: asking costs the CRM nothing.
          expect(harness.requestCount()).toBe(spent);
        }
      });
    });

    describe('validation', () => {
      it("maps a blank title to the 'title' field, on update and on create, and changes nothing", async () => {
        const id = await harness.givenDeal({ title: 'Acme rollout' });

        const onUpdate = await rejection(crm.updateDeal(id, { title: '' }));
        const onCreate = await rejection(crm.createDeal({ title: '' }));

        for (const error of [onUpdate, onCreate]) {
          expect(error).toBeInstanceOf(CrmValidationError);
          expect((error as CrmValidationError).field).toBe('title');
          expect((error as CrmValidationError).crmMessage.trim()).not.toBe('');
        }
        expect((await crm.getDeal(id)).title).toBe('Acme rollout');
      });

      it('renames a deal', async () => {
        const id = await harness.givenDeal({ title: 'Acme rollout' });

        await expect(crm.updateDeal(id, { title: 'Acme rollout, phase 2' })).resolves.toMatchObject({ id, title: 'Acme rollout, phase 2' });
      });
    });
  });
}
