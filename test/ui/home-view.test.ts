import { describe, expect, it } from 'vitest';
import { changeConfirmation, changeLine } from '../../src/ui/deal-change.js';
import { homeView } from '../../src/ui/home-view.js';
import { assertWithinBlockKitLimits, displayedText } from '../helpers/block-kit-limits.js';

const shown = (view: unknown): string => displayedText(JSON.stringify(view));
import { HOSTILE, LONG_TITLE, NOW, makeDeal } from './fixtures.js';

const stageNames = new Map([['1', 'Qualified']]);

describe('the Home tab', () => {
  it('holds Block Kit limits with hundreds of deals and hostile titles, and says how many more', () => {
    const many = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => makeDeal({ id: `${prefix}${i}`, title: i % 2 ? HOSTILE : LONG_TITLE, stageId: '1' }));
    const view = homeView({
      crmName: 'Pipedrive',
      now: NOW,
      stageNames,
      deals: { overdue: many('o', 300), closingThisWeek: many('w', 300), later: many('l', 300), truncated: true },
    });
    assertWithinBlockKitLimits(view);
    expect(shown(view)).toContain('and 280 more');
  });

  it('tells a person without a CRM user why their list is empty', () => {
    const view = homeView({ crmName: 'Pipedrive', now: NOW, stageNames, deals: { missingUser: { email: 'zoe@example.com' } } });
    assertWithinBlockKitLimits(view);
    expect(shown(view)).toMatch(/zoe@example\.com/);
  });
});

describe('change lines on live cards', () => {
  it('names who did what with a date token in the reader’s zone, which pings nobody', () => {
    const line = changeLine('Moved to *Proposal*', 'U123ABC', NOW);
    expect(line).toMatch(/<@U123ABC>/);
    expect(line).toMatch(/<!date\^\d+\^/);
    const confirmation = changeConfirmation({ text: line, undoId: 'u1', minutes: 10 });
    assertWithinBlockKitLimits(confirmation.blocks);
  });
});
