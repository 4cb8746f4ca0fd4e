import type { Button, KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { dealList, dealPicker, encodePendingAction, stagePicker, type PendingDealAction } from '../../src/ui/deal-list.js';
import { ActionId } from '../../src/ui/ids.js';
import { assertWithinBlockKitLimits, displayedText, hasLiveFormatting, mrkdwnTexts } from '../helpers/block-kit-limits.js';
import { HOSTILE, LONG_TITLE, makeDeal, makeHits, makeStages, stageNames } from './fixtures.js';

const rowButtons = (blocks: KnownBlock[]): Button[] =>
  blocks.flatMap((b) => (b.type === 'section' && b.accessory?.type === 'button' ? [b.accessory] : []));
const lastText = (blocks: KnownBlock[]): string => {
  const last = blocks.at(-1);
  if (last?.type === 'context') return last.elements.map((e) => ('text' in e ? e.text : '')).join('');
  return (last as SectionBlock | undefined)?.text?.text ?? '';
};

describe('dealList', () => {
  it.each([0, 1, 10, 11, 500])('stays within Block Kit limits with %i hits', (count) => {
    const list = dealList({ hits: makeHits(count), query: 'acme', more: false, stageNames });
    assertWithinBlockKitLimits(list);
    expect(rowButtons(list.blocks)).toHaveLength(Math.min(count, 10));
  });

  it('shows one row per deal with value, stage and status, and an Open button carrying the deal id', () => {
    const list = dealList({ hits: makeHits(2), query: 'acme', more: false, stageNames });
    expect(list.blocks[0]).toMatchObject({ type: 'section', text: { text: '*Deals matching “acme”*' } });
    expect(list.blocks[2]).toMatchObject({
      type: 'section',
      text: { text: '*Acme deal 2* #101\n$2,000 · Qualified · 🟢 Open · Acme Inc' },
    });
    expect(rowButtons(list.blocks).map((b) => [b.text.text, b.action_id, b.value])).toEqual([
      ['Open', ActionId.openDeal, '100'],
      ['Open', ActionId.openDeal, '101'],
    ]);
    expect(list.text).toBe('Deals matching “acme”: 2 deals');
  });

  it('cuts a long list with "and N more"', () => {
    const list = dealList({ hits: makeHits(11), query: 'acme', more: false, stageNames });
    expect(lastText(list.blocks)).toBe('and 1 more — narrow your search');
    const capped = dealList({ hits: makeHits(25), query: 'acme', more: true, stageNames, max: 5 });
    expect(rowButtons(capped.blocks)).toHaveLength(5);
    expect(lastText(capped.blocks)).toBe('and 20+ more — narrow your search');
  });

  it('says when the CRM has more than it returned', () => {
    const list = dealList({ hits: makeHits(3), query: 'acme', more: true, stageNames });
    expect(lastText(list.blocks)).toBe('More deals match — narrow your search');
  });

  it('answers an empty result kindly, with what to try', () => {
    const list = dealList({ hits: [], query: 'acme', more: false, stageNames });
    expect(list.text).toBe('No deals match “acme”. Try fewer words, or `/deal new acme` to create one.');
    expect(rowButtons(list.blocks)).toHaveLength(0);
  });

  it('never caps above what a message can hold', () => {
    const list = dealList({ hits: makeHits(500), query: 'acme', more: false, stageNames, max: 500 });
    assertWithinBlockKitLimits(list);
    expect(lastText(list.blocks)).toMatch(/^and \d+ more/);
  });

  it('renders hostile titles, stages and queries literally', () => {
    const names = new Map([...stageNames].map(([id]) => [id, HOSTILE]));
    const hits = makeHits(3, () => HOSTILE).map((h) => ({ ...h, organizationName: HOSTILE }));
    for (const list of [
      dealList({ hits, query: HOSTILE, more: false, stageNames: names }),
      dealList({ hits: [], query: HOSTILE, more: false, stageNames: names }),
    ]) {
      assertWithinBlockKitLimits(list);
      for (const text of mrkdwnTexts(list)) expect(hasLiveFormatting(text, HOSTILE)).toBe(false);
      expect(displayedText(list.text)).toContain(HOSTILE);
    }
  });

  it('cuts 500-character titles', () => {
    const list = dealList({ hits: makeHits(10, () => LONG_TITLE), query: LONG_TITLE, more: false, stageNames });
    assertWithinBlockKitLimits(list);
    expect(mrkdwnTexts(list).every((t) => t.length < 400)).toBe(true);
  });
});

describe('dealPicker', () => {
  const action: PendingDealAction = { op: 'move', stage: 'Proposal' };

  it.each([1, 10, 11, 500])('stays within limits with %i hits, offering at most 10', (count) => {
    const picker = dealPicker({ hits: makeHits(count), stageNames, prompt: 'Which deal do you want to move to Proposal?', action });
    assertWithinBlockKitLimits(picker);
    expect(rowButtons(picker.blocks)).toHaveLength(Math.min(count, 10));
    if (count > 10) expect(lastText(picker.blocks)).toMatch(new RegExp(`^and ${count - 10} more`));
  });

  it('carries the pending action and the deal id on each button', () => {
    const picker = dealPicker({ hits: makeHits(2), stageNames, prompt: 'Which deal?', action });
    const [first] = rowButtons(picker.blocks);
    expect(first?.action_id).toBe(ActionId.pickDeal);
    expect(JSON.parse(first?.value ?? '')).toEqual({ op: 'move', stage: 'Proposal', dealId: '100' });
  });

  it('shows the prompt literally: it may echo a stage name someone typed', () => {
    const picker = dealPicker({ hits: makeHits(2), stageNames, prompt: `Which deal do you want to move to ${HOSTILE}?`, action });
    assertWithinBlockKitLimits(picker);
    expect(displayedText(picker.text)).toBe(`Which deal do you want to move to ${HOSTILE}?`);
  });

  it('cuts a long reason so the value stays within 2000 characters', () => {
    for (const reason of ['r'.repeat(5000), '"'.repeat(5000), '\u0001'.repeat(5000)]) {
      const picker = dealPicker({ hits: makeHits(3), stageNames, prompt: 'Which deal was lost?', action: { op: 'lost', reason } });
      assertWithinBlockKitLimits(picker);
      const value = JSON.parse(rowButtons(picker.blocks)[0]?.value ?? '') as { reason: string; dealId: string };
      expect(value.dealId).toBe('100');
      expect(value.reason.length).toBeGreaterThan(0);
      expect(value.reason.length).toBeLessThanOrEqual(1000);
    }
  });

  it('keeps a short reason whole, and a null one null', () => {
    expect(JSON.parse(encodePendingAction({ op: 'lost', reason: 'No budget' }, '7'))).toEqual({
      op: 'lost',
      reason: 'No budget',
      dealId: '7',
    });
    expect(JSON.parse(encodePendingAction({ op: 'lost', reason: null }, '7'))).toEqual({ op: 'lost', reason: null, dealId: '7' });
  });
});

describe('stagePicker', () => {
  const deal = makeDeal();

  it('lists every stage of the pipeline when the name is unknown, with a button per stage', () => {
    const picker = stagePicker({ deal, stages: makeStages(), query: 'closing', reason: 'unknown', pipelineName: 'Sales' });
    assertWithinBlockKitLimits(picker);
    expect(picker.text).toBe('No stage called “closing” in Sales. Pick one for *Acme renewal*:');
    const buttons = rowButtons(picker.blocks);
    // The deal is already in stage 4: no button to move it there.
    expect(buttons).toHaveLength(4);
    expect(buttons.every((b) => b.action_id === ActionId.pickStage)).toBe(true);
    expect(JSON.parse(buttons[0]?.value ?? '')).toEqual({ dealId: '42', stageId: '1' });
    expect(mrkdwnTexts(picker)).toContain('*Proposal made* (current stage)');
  });

  it('asks which one when a name matches several', () => {
    const candidates = makeStages().slice(3, 5);
    const picker = stagePicker({
      deal: makeDeal({ stageId: '1' }),
      stages: candidates,
      query: 'pro',
      reason: 'ambiguous',
      pipelineName: null,
    });
    assertWithinBlockKitLimits(picker);
    expect(picker.text).toBe('“pro” matches several stages. Pick one for *Acme renewal*:');
    expect(rowButtons(picker.blocks)).toHaveLength(2);
  });

  it('stays within 50 blocks with 300 stages and says how to reach the rest', () => {
    const picker = stagePicker({ deal, stages: makeStages(300), query: 'x', reason: 'unknown', pipelineName: 'Sales' });
    assertWithinBlockKitLimits(picker);
    expect(picker.blocks).toHaveLength(50);
    expect(lastText(picker.blocks)).toBe('and 252 more — type `/deal move 42 to` and the stage’s full name');
  });

  it('shows all 49 stages when they fit', () => {
    const picker = stagePicker({ deal, stages: makeStages(49), query: 'x', reason: 'unknown', pipelineName: 'Sales' });
    assertWithinBlockKitLimits(picker);
    expect(picker.blocks).toHaveLength(50);
    expect(lastText(picker.blocks)).not.toMatch(/more/);
  });

  it('renders hostile stage names, queries and titles literally', () => {
    const stages = makeStages().map((s) => ({ ...s, name: HOSTILE }));
    const picker = stagePicker({ deal: makeDeal({ title: HOSTILE }), stages, query: HOSTILE, reason: 'unknown', pipelineName: HOSTILE });
    assertWithinBlockKitLimits(picker);
    for (const text of mrkdwnTexts(picker)) expect(hasLiveFormatting(text, HOSTILE)).toBe(false);
  });

  it('says so when there is nothing to pick', () => {
    const picker = stagePicker({ deal, stages: [], query: 'x', reason: 'unknown', pipelineName: 'Sales' });
    assertWithinBlockKitLimits(picker);
    expect(rowButtons(picker.blocks)).toHaveLength(0);
  });
});
