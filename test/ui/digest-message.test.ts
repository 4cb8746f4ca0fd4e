import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Deal, Stage } from '../../src/crm/port.js';
import { composeDigest, type DigestInput } from '../../src/services/pipeline-digest.js';
import { digestMessage } from '../../src/ui/digest-message.js';
import { snapshotOf } from '../../src/store/digest-snapshot.js';
import { DIGEST_SECTIONS } from '../../src/domain/digest-schedule.js';
import { assertWithinBlockKitLimits, displayedText, hasLiveFormatting, mrkdwnTexts, plainTexts } from '../helpers/block-kit-limits.js';
import { deal, salesPipeline, salesStages } from '../helpers/digest-fake-crm.js';

const ZONE = 'Europe/Berlin';
const NOW = DateTime.fromISO('2026-03-10T09:00:00', { zone: ZONE });
const BEFORE = NOW.minus({ days: 1 });
const HOSTILE = '<!channel> *bold* <http://x|y> & _it_';

function input(overrides: Partial<DigestInput> = {}): DigestInput {
  return {
    pipeline: salesPipeline,
    stages: salesStages,
    openDeals: [],
    closedDeals: [],
    previous: snapshotOf([], BEFORE),
    crmName: 'Pipedrive',
    zone: ZONE,
    now: NOW,
    run: { trigger: 'schedule', slot: NOW, late: false, missedSlots: 1 },
    sections: DIGEST_SECTIONS,
    staleDays: 14,
    ...overrides,
  };
}

const render = (overrides: Partial<DigestInput> = {}, chartAttached = false) =>
  digestMessage(composeDigest(input(overrides)).digest, { chartAttached });
/** What a person reads in the blocks (the fallback text aside). */
const shown = (message: ReturnType<typeof render>): string => mrkdwnTexts(message.blocks).map(displayedText).join('\n');

/** 10,000 deals over 300 stages, every kind of change by the thousand, every title hostile. */
function hugePipeline(): Partial<DigestInput> {
  const stages: Stage[] = Array.from({ length: 300 }, (_, i) => ({
    id: `s${i}`,
    pipelineId: '1',
    name: `${HOSTILE} stage ${i} with a long name that goes on and on`,
    order: i,
    probability: i % 100,
  }));
  const currencies = ['EUR', 'USD', 'GBP', 'JPY', 'CHF'];
  const open: Deal[] = [];
  const closed: Deal[] = [];
  const before: Deal[] = [];
  for (let i = 0; i < 10_000; i += 1) {
    const base = deal(String(i), {
      title: `${HOSTILE} ${'x'.repeat(i % 300)} deal ${i}`,
      stageId: `s${i % 300}`,
      value: { amount: 1000 + i, currency: currencies[i % 5] ?? 'EUR' },
      expectedCloseDate: i % 3 === 0 ? '2026-03-12' : i % 3 === 1 ? '2026-02-01' : null,
      updatedAt: i % 2 === 0 ? NOW.minus({ days: 60 }) : NOW.minus({ hours: 2 }),
      lostReason: HOSTILE,
    });
    if (i % 10 === 0) closed.push({ ...base, status: 'won', closedAt: NOW.minus({ hours: 1 }) });
    else if (i % 10 === 1) closed.push({ ...base, status: 'lost', closedAt: NOW.minus({ hours: 1 }) });
    else open.push(base);
    // Before: every deal open, a fifth of them one stage back, some unknown yet.
    if (i % 10 !== 2) before.push({ ...base, status: 'open', stageId: i % 5 === 3 ? `s${(i + 1) % 300}` : base.stageId });
  }
  before.push(...Array.from({ length: 500 }, (_, i) => deal(`gone-${i}`)));
  return { stages, openDeals: open, closedDeals: closed, previous: snapshotOf(before, BEFORE) };
}

describe('digestMessage', () => {
  it('holds Block Kit limits for a 10,000-deal pipeline, cutting every list with "and N more"', () => {
    const huge = hugePipeline();
    const message = render(huge, true);
    assertWithinBlockKitLimits(message);
    expect(message.blocks.length).toBeLessThanOrEqual(16);
    const text = shown(message);
    expect(text).toMatch(/and 2[0-9]{2} more stages with/);
    for (const heading of [
      'Won* · 1,000 deals',
      'Lost* · 1,000 deals',
      'New* · 1,000 deals',
      'Moved* · ',
      'Closing in the next 7 days',
      'Overdue',
      'Stale',
      'Forecast for March 2026',
    ]) {
      expect(text).toContain(heading);
    }
    expect(text.match(/_and [\d,]+ more_/g)?.length).toBeGreaterThanOrEqual(6);
    expect(text).toContain('500 deals left the pipeline');
    for (const mrkdwn of mrkdwnTexts(message)) expect(hasLiveFormatting(mrkdwn, HOSTILE)).toBe(false);
    // What a person reads: the hostile title, literally.
    expect(text).toContain(HOSTILE);
    expect(message.text).toContain('8,000 deals open');
    expect(message.text).toContain('1,000 won, 1,000 lost, 1,000 new');
  });

  it('gives a quiet pipeline one short line', () => {
    const calm = [deal('1', { stageId: '2', value: { amount: 12000, currency: 'EUR' } })];
    const message = render({ openDeals: calm, previous: snapshotOf(calm, BEFORE) });
    assertWithinBlockKitLimits(message);
    expect(message.blocks).toHaveLength(1);
    expect(shown(message)).toBe(
      '📊 *Sales*: a quiet pipeline — nothing changed since Mon, Mar 9, 09:00, nothing is closing soon, overdue or stale. 1 deal open · €12,000 · weighted €3,600.',
    );
  });

  it('says an empty pipeline has no open deals, in one line once there is a baseline', () => {
    const message = render({ stages: [] });
    assertWithinBlockKitLimits(message);
    expect(message.blocks).toHaveLength(1);
    expect(shown(message)).toContain('no open deals');
  });

  it('introduces the pipeline on the first digest, saying changes come from the next one', () => {
    const message = render({ previous: null, openDeals: [deal('1')] });
    assertWithinBlockKitLimits(message);
    expect(plainTexts(message)[0]).toBe('📊 Pipeline digest: Sales');
    expect(shown(message)).toContain('*Board* · 1 deal open · €1,000 · weighted €100');
    expect(shown(message)).toContain('first digest of this pipeline here');
  });

  it('leaves out sections with nothing to say', () => {
    const moved = [deal('1', { stageId: '2' })];
    const text = shown(render({ openDeals: moved, previous: snapshotOf([deal('1', { stageId: '1' })], BEFORE) }));
    expect(text).toContain('Moved* · 1 deal');
    expect(text).toContain('Lead in → Qualified');
    for (const absent of ['Won', 'Lost', 'New', 'Reopened', 'Closing in the next', 'Overdue', 'Stale', 'Forecast', 'left the pipeline']) {
      expect(text).not.toContain(absent);
    }
  });

  it('leaves out sections the schedule turned off', () => {
    const deals = [deal('1', { stageId: '2', expectedCloseDate: '2026-03-01', updatedAt: NOW.minus({ days: 30 }) })];
    const text = shown(render({ openDeals: deals, previous: snapshotOf([deal('1', { stageId: '1' })], BEFORE), sections: ['overdue'] }));
    expect(text).toContain('Overdue');
    expect(text).not.toContain('Board');
    expect(text).not.toContain('Moved');
    expect(text).not.toContain('Stale');
  });

  it('shows won and lost deals with their values, and why a deal was lost', () => {
    const closed = [
      deal('1', { title: 'Acme', status: 'won', value: { amount: 25000, currency: 'EUR' }, closedAt: NOW.minus({ hours: 3 }) }),
      deal('2', {
        title: 'Initech',
        status: 'lost',
        value: { amount: 4000, currency: 'USD' },
        lostReason: 'Went with a competitor',
        closedAt: NOW.minus({ hours: 3 }),
      }),
    ];
    const text = shown(render({ closedDeals: closed, previous: snapshotOf([deal('1'), deal('2')], BEFORE) }));
    expect(text).toContain('🏆 *Won* · 1 deal · €25,000\n• *Acme* · €25,000');
    expect(text).toContain('✖ *Lost* · 1 deal · $4,000\n• *Initech* · $4,000 · _Went with a competitor_');
  });

  it('shows when deals close and how overdue they are, in the schedule’s zone', () => {
    const deals = [
      deal('1', { title: 'Soon', stageId: '4', expectedCloseDate: '2026-03-11' }),
      deal('2', { title: 'Late', stageId: '3', expectedCloseDate: '2026-03-07' }),
      deal('3', { title: 'Dusty', stageId: '2', updatedAt: NOW.minus({ days: 21 }) }),
    ];
    const text = shown(render({ openDeals: deals, previous: snapshotOf(deals, BEFORE) }));
    expect(text).toContain('• *Soon* · €1,000 · Negotiation · tomorrow (Mar 11)');
    expect(text).toContain('• *Late* · €1,000 · Proposal made · was due 3 days ago (Mar 7)');
    expect(text).toContain(
      '💤 *Stale* (no change in 14+ days) · 1 deal · €1,000\n• *Dusty* · €1,000 · Qualified · last change 3 weeks ago',
    );
  });

  it('says when a digest is late and that it covers the missed ones', () => {
    const late = render({
      openDeals: [deal('1', { expectedCloseDate: '2026-03-11' })],
      run: { trigger: 'schedule', slot: NOW.minus({ days: 3 }), late: true, missedSlots: 3 },
    });
    assertWithinBlockKitLimits(late);
    expect(shown(late)).toContain(
      "⏰ *Late:* this digest was due Sat, Mar 7, 09:00 (Dealbot was offline or could not post). 2 earlier digests weren't posted",
    );
    const quietLate = render({ run: { trigger: 'schedule', slot: NOW.minus({ hours: 2 }), late: true, missedSlots: 1 } });
    expect(quietLate.blocks).toHaveLength(1);
    expect(shown(quietLate)).toMatch(/^⏰ \*Late:\*/);
  });

  it('notes an attached chart and a truncated read in the footer', () => {
    const text = shown(render({ openDeals: [deal('1', { expectedCloseDate: '2026-03-11' })], truncated: true }, true));
    expect(text).toContain('📎 chart of open value by stage attached');
    expect(text).toContain('the numbers cover the first ones');
  });
});
