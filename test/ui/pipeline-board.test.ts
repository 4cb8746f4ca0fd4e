import type { ActionsBlock, KnownBlock, SectionBlock, StaticSelect } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { Deal, Pipeline } from '../../src/crm/port.js';
import { aggregateBoard, type BoardInput } from '../../src/services/pipeline-board.js';
import { ActionId } from '../../src/ui/ids.js';
import { countBar, pipelineBoardMessage } from '../../src/ui/pipeline-board.js';
import { allOptions } from '../../src/ui/select-options.js';
import { assertWithinBlockKitLimits, displayedText, hasLiveFormatting, mrkdwnTexts } from '../helpers/block-kit-limits.js';
import { HOSTILE, LONG_TITLE, NOW, makeDeal, makeStages, pipeline } from './fixtures.js';

const OPTIONS = { viewerZone: 'Europe/Berlin', now: NOW, pipelineName: 'Sales', crmName: 'Pipedrive' };

let nextId = 1000;
const open = (stageId: string, amount: number | null, overrides: Partial<Deal> = {}): Deal =>
  makeDeal({
    id: String(nextId++),
    stageId,
    value: amount === null ? null : { amount, currency: 'EUR' },
    probability: null,
    expectedCloseDate: null,
    ...overrides,
  });

function board(overrides: Partial<BoardInput> = {}) {
  return aggregateBoard({
    pipelineId: pipeline.id,
    stages: makeStages(),
    openDeals: [],
    closedDeals: [],
    zone: 'Europe/Berlin',
    now: NOW,
    ...overrides,
  });
}

const sectionTexts = (blocks: KnownBlock[]): string[] =>
  blocks.flatMap((b) => (b.type === 'section' && (b as SectionBlock).text ? [(b as SectionBlock).text?.text ?? ''] : []));
const stageSection = (blocks: KnownBlock[], name: string): string => sectionTexts(blocks).find((t) => t.startsWith(`*${name}*`)) ?? '';

describe('countBar', () => {
  it('fills ten cells in proportion to the fullest stage, at least one for any deal', () => {
    expect(countBar(10, 10)).toBe('▇▇▇▇▇▇▇▇▇▇');
    expect(countBar(5, 10)).toBe('▇▇▇▇▇░░░░░');
    expect(countBar(1, 1000)).toBe('▇░░░░░░░░░');
    expect(countBar(0, 10)).toBe('░░░░░░░░░░');
    expect(countBar(0, 0)).toBe('░░░░░░░░░░');
  });
});

describe('pipelineBoardMessage', () => {
  it('shows each stage in order with its count, bar, values, weighted values and top three deals', () => {
    const deals = [
      open('2', 40_000, { title: 'Acme renewal', expectedCloseDate: '2026-03-13' }),
      open('2', 10_000, { title: 'Globex pilot', expectedCloseDate: '2026-03-01' }),
      open('2', 25_000, { title: 'Initech' }),
      open('2', 5_000, { title: 'Hooli' }),
      open('4', 1_000, { title: 'Small deal', value: { amount: 1_000, currency: 'USD' }, probability: 50 }),
    ];
    const message = pipelineBoardMessage(board({ openDeals: deals }), OPTIONS);
    assertWithinBlockKitLimits(message);
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { text: 'Pipeline: Sales' } });
    expect(sectionTexts(message.blocks)[0]).toBe('*5 deals open* · €80,000 + $1,000 · weighted €32,000 + $500');
    expect(
      sectionTexts(message.blocks)
        .slice(1, 6)
        .map((t) => t.split('\n')[0]),
    ).toEqual(['*Lead in*', '*Qualified*', '*Demo scheduled*', '*Proposal made*', '*Negotiations started*']);
    expect(stageSection(message.blocks, 'Qualified')).toBe(
      [
        '*Qualified*',
        '`▇▇▇▇▇▇▇▇▇▇` 4 deals',
        '€80,000 · weighted €32,000',
        '1. Acme renewal · €40,000 · closes in 3 days',
        '2. Initech · €25,000',
        '3. Globex pilot · €10,000 · ⚠️ due 9 days ago',
        '_and 1 more_',
      ].join('\n'),
    );
    expect(stageSection(message.blocks, 'Proposal made')).toBe(
      ['*Proposal made*', '`▇▇▇░░░░░░░` 1 deal', '$1,000 · weighted $500', '1. Small deal · $1,000'].join('\n'),
    );
    expect(stageSection(message.blocks, 'Lead in')).toBe('*Lead in*\n`░░░░░░░░░░` no open deals');
    expect(message.text).toBe('Pipeline Sales: 5 deals open, €80,000 + $1,000');
  });

  it('labels the bar and the weighting rule', () => {
    const notes = mrkdwnTexts(pipelineBoardMessage(board({ openDeals: [open('1', 1)] }), OPTIONS)).join('\n');
    expect(notes).toContain('Bars: open deals per stage, relative to the fullest stage');
    expect(notes).toContain('weighted = value × the deal’s probability, else the stage’s, else 100%');
  });

  it('shows what was won and lost this month in the viewer’s zone', () => {
    const closedDeals = [
      makeDeal({ id: '1', status: 'won', closedAt: NOW.minus({ days: 2 }), value: { amount: 5_000, currency: 'EUR' } }),
      makeDeal({ id: '2', status: 'lost', closedAt: NOW.minus({ days: 1 }), value: null }),
      makeDeal({ id: '3', status: 'won', closedAt: NOW.minus({ months: 1 }) }),
    ];
    const message = pipelineBoardMessage(board({ closedDeals }), OPTIONS);
    const fields = message.blocks.flatMap((b) => (b.type === 'section' && b.fields ? b.fields.map((f) => f.text) : []));
    expect(fields).toEqual(['*🏆 Won in March 2026*\n1 deal · €5,000', '*✖ Lost in March 2026*\n1 deal · —']);
  });

  it('answers an empty pipeline and a pipeline without stages', () => {
    const empty = pipelineBoardMessage(board(), OPTIONS);
    assertWithinBlockKitLimits(empty);
    expect(sectionTexts(empty.blocks)[0]).toBe('*No open deals* in this pipeline.');
    const noStages = pipelineBoardMessage(board({ stages: [] }), OPTIONS);
    assertWithinBlockKitLimits(noStages);
    expect(sectionTexts(noStages.blocks)).toContain('This pipeline has no stages in Pipedrive.');
  });

  it('cuts 300 stages with "and N more stages", their deals still in the totals', () => {
    const stages = makeStages(300);
    const deals = stages.map((s) => open(s.id, 100));
    const message = pipelineBoardMessage(board({ stages, openDeals: deals }), OPTIONS);
    assertWithinBlockKitLimits(message);
    const shownStages = sectionTexts(message.blocks).filter((t) => t.includes('`▇'));
    expect(shownStages).toHaveLength(43);
    expect(mrkdwnTexts(message).join('\n')).toContain('and 257 more stages with 257 deals (€25,700)');
    expect(sectionTexts(message.blocks)[0]).toContain('*300 deals open* · €30,000');
  });

  it('shows up to 44 stages without cutting any', () => {
    const stages = makeStages(44);
    const message = pipelineBoardMessage(board({ stages }), OPTIONS);
    assertWithinBlockKitLimits(message);
    expect(sectionTexts(message.blocks).filter((t) => t.includes('no open deals'))).toHaveLength(44);
  });

  it('stays within limits with 10,000 deals and says when the count was capped', () => {
    const stages = makeStages();
    const deals = Array.from({ length: 10_000 }, (_, i) => open(String((i % 5) + 1), i, { title: LONG_TITLE }));
    const message = pipelineBoardMessage(board({ stages, openDeals: deals, truncated: true }), OPTIONS);
    assertWithinBlockKitLimits(message);
    expect(sectionTexts(message.blocks)[0]).toMatch(/^\*10,000 deals open\*/);
    expect(stageSection(message.blocks, 'Lead in')).toContain('_and 1,997 more_');
    expect(mrkdwnTexts(message).join('\n')).toContain('the numbers cover the first ones');
  });

  it('counts deals in stages no longer listed', () => {
    const message = pipelineBoardMessage(board({ openDeals: [open('99', 700)] }), OPTIONS);
    expect(mrkdwnTexts(message).join('\n')).toContain('1 deal in stages no longer in this pipeline (€700)');
  });

  it('offers the other pipelines in a select when there are several', () => {
    const pipelines: Pipeline[] = [pipeline, { id: '2', name: 'Partners', order: 2, isDefault: false }];
    const message = pipelineBoardMessage(board(), { ...OPTIONS, pipelines });
    assertWithinBlockKitLimits(message);
    const actions = message.blocks.find((b) => b.type === 'actions');
    expect(actions).toMatchObject({
      elements: [
        {
          type: 'static_select',
          action_id: ActionId.pipelinePick,
          initial_option: { value: '1' },
          options: [{ value: '1' }, { value: '2' }],
        },
      ],
    });
    expect(pipelineBoardMessage(board(), { ...OPTIONS, pipelines: [pipeline] }).blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('keeps all of 300 pipelines pickable, #250 included, in groups of at most 100', () => {
    const pipelines: Pipeline[] = Array.from({ length: 300 }, (_, i) => ({
      id: String(i + 1),
      name: `Region ${i + 1}`,
      order: i + 1,
      isDefault: i === 0,
    }));
    const message = pipelineBoardMessage(board(), { ...OPTIONS, pipelines });
    assertWithinBlockKitLimits(message);
    const actions = message.blocks.find((b): b is ActionsBlock => b.type === 'actions');
    const select = actions?.elements[0] as StaticSelect;
    expect(select.options).toBeUndefined();
    expect(select.option_groups).toHaveLength(3);
    expect(allOptions(select)).toHaveLength(300);
    expect(allOptions(select).find((o) => o.value === '250')?.text.text).toBe('Region 250');
    expect(select.initial_option?.value).toBe('1');
  });

  it('renders hostile stage names, deal titles and pipeline names literally', () => {
    const stages = makeStages().map((s) => ({ ...s, name: HOSTILE }));
    const deals = [open('1', 10, { title: HOSTILE }), open('99', 5)];
    const message = pipelineBoardMessage(board({ stages, openDeals: deals }), { ...OPTIONS, pipelineName: HOSTILE, crmName: HOSTILE });
    assertWithinBlockKitLimits(message);
    for (const text of mrkdwnTexts(message)) expect(hasLiveFormatting(text, HOSTILE)).toBe(false);
    expect(displayedText(message.text)).toContain(HOSTILE);
    expect(displayedText(sectionTexts(message.blocks)[1] ?? '')).toContain(`1. ${HOSTILE} · €10`);
  });
});
