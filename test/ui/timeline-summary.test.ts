import type { KnownBlock } from '@slack/types';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Deal } from '../../src/crm/port.js';
import { groupDealsByPeriod, type PeriodOptions } from '../../src/services/timeline-summary.js';
import { timelineSummaryMessage, type TimelineSummaryOptions } from '../../src/ui/timeline-summary.js';
import { assertWithinBlockKitLimits, displayedText, hasLiveFormatting, mrkdwnTexts, plainTexts } from '../helpers/block-kit-limits.js';
import { HOSTILE, makeDeal } from './fixtures.js';

const NOW = DateTime.fromISO('2026-11-20T10:00:00', { zone: 'Europe/Berlin' });

function summary(deals: Deal[], options: Partial<PeriodOptions> = {}) {
  return groupDealsByPeriod(deals, { unit: 'month', count: 6, by: 'close', zone: 'Europe/Berlin', now: NOW, ...options });
}

function render(deals: Deal[], options: Partial<PeriodOptions & TimelineSummaryOptions> = {}) {
  const unit = options.unit ?? 'month';
  const by = options.by ?? 'close';
  return timelineSummaryMessage(summary(deals, { ...options, unit, by }), {
    unit,
    by,
    pipelineName: 'Sales',
    zone: 'Europe/Berlin',
    ...options,
  });
}

/** Our own bold markers left out: what a person reads. */
const read = (mrkdwn: string): string => displayedText(mrkdwn.replace(/(?<!\u200B)\*(?!\u200B)/g, ''));

/** Each period's heading and its fields, as a person reads them. */
function periods(blocks: KnownBlock[]): Array<[string, string[]]> {
  return blocks.flatMap((b) =>
    b.type === 'section' && b.text && b.fields ? [[read(b.text.text), b.fields.map((f) => read(f.text))] as [string, string[]]] : [],
  );
}

describe('timelineSummaryMessage', () => {
  it('shows each month with open and won counts and values per currency, the current one marked', () => {
    const deals = [
      makeDeal({ id: '1', expectedCloseDate: '2026-11-25', value: { amount: 12_000, currency: 'EUR' } }),
      makeDeal({ id: '2', expectedCloseDate: '2026-11-30', value: { amount: 3_000, currency: 'USD' } }),
      makeDeal({ id: '3', expectedCloseDate: '2026-12-02', status: 'won', value: { amount: 4_000, currency: 'EUR' } }),
    ];
    const message = render(deals);
    assertWithinBlockKitLimits(message);
    expect(plainTexts(message.blocks[0])).toEqual(['Deals by expected close per month · Sales']);
    expect(periods(message.blocks)).toEqual([
      ['Nov 2026 · 📍 this month', ['Open\n2 deals · €12,000 + $3,000', '🏆 Won\n—']],
      ['Dec 2026', ['Open\n—', '🏆 Won\n1 deal · €4,000']],
      ['Jan 2027', ['Open\n—', '🏆 Won\n—']],
      ['Feb 2027', ['Open\n—', '🏆 Won\n—']],
      ['Mar 2027', ['Open\n—', '🏆 Won\n—']],
      ['Apr 2027', ['Open\n—', '🏆 Won\n—']],
    ]);
    const all = mrkdwnTexts(message).join('\n');
    expect(all).toContain('Periods in Europe/Berlin · each currency summed on its own');
    expect(all).toContain('*Over these 6 months:* Open 2 deals · €12,000 + $3,000 · 🏆 Won 1 deal · €4,000');
  });

  it('shows only wins when grouping by won time, and lost deals too when grouping by creation', () => {
    const won = render([makeDeal({ status: 'won', closedAt: NOW.minus({ days: 1 }) })], { by: 'won', unit: 'quarter', count: 2 });
    expect(plainTexts(won.blocks[0])).toEqual(['Deals won per quarter · Sales']);
    expect(periods(won.blocks)).toEqual([
      ['Q3 2026', ['🏆 Won\n—']],
      ['Q4 2026 · 📍 this quarter', ['🏆 Won\n1 deal · €12,000']],
    ]);
    const created = render([makeDeal({ status: 'lost', createdAt: NOW.minus({ days: 1 }), value: null })], {
      by: 'created',
      unit: 'week',
      count: 1,
    });
    expect(periods(created.blocks)).toEqual([['Week of Nov 16 · 📍 this week', ['Open\n—', '🏆 Won\n—', '✖ Lost\n1 deal']]]);
    expect(mrkdwnTexts(created).join('\n')).toContain('weeks start on Monday');
  });

  it('mentions overdue and undated deals and a capped reading', () => {
    const message = timelineSummaryMessage(summary([]), {
      unit: 'month',
      by: 'close',
      pipelineName: null,
      zone: 'UTC',
      overdue: 3,
      undated: 1,
      truncated: true,
    });
    const all = mrkdwnTexts(message).join('\n');
    expect(plainTexts(message.blocks[0])).toEqual(['Deals by expected close per month · all pipelines']);
    expect(all).toContain('⚠️ 3 deals open, expected to close before Nov 2026');
    expect(all).toContain('1 deal without an expected close date');
    expect(all).toContain('the numbers cover the first ones');
  });

  it.each([0, 1, 10_000])('stays within Block Kit limits with %i deals', (count) => {
    const deals = Array.from({ length: count }, (_, i) =>
      makeDeal({
        id: String(i),
        expectedCloseDate: `2027-0${(i % 4) + 1}-15`,
        value: { amount: i, currency: ['EUR', 'USD', 'GBP', 'JPY'][i % 4] ?? 'EUR' },
      }),
    );
    const message = render(deals, { count: 24 });
    assertWithinBlockKitLimits(message);
    expect(periods(message.blocks)).toHaveLength(24);
  });

  it('cuts more periods than a message holds with "and N more"', () => {
    const message = timelineSummaryMessage(summary([], { unit: 'week', count: 100 }), {
      unit: 'week',
      by: 'close',
      pipelineName: 'Sales',
      zone: 'UTC',
    });
    assertWithinBlockKitLimits(message);
    expect(periods(message.blocks)).toHaveLength(45);
    expect(mrkdwnTexts(message).join('\n')).toContain('and 55 more weeks');
  });

  it('renders a hostile pipeline name and zone literally', () => {
    const message = timelineSummaryMessage(summary([]), { unit: 'month', by: 'close', pipelineName: HOSTILE, zone: HOSTILE });
    assertWithinBlockKitLimits(message);
    for (const text of mrkdwnTexts(message)) expect(hasLiveFormatting(text, HOSTILE)).toBe(false);
    expect(displayedText(message.text)).toContain(HOSTILE);
  });
});
