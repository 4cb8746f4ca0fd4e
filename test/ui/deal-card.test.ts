import type { ActionsBlock, Button, HeaderBlock, KnownBlock, SectionBlock, StaticSelect } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { dealCard, type DealCardInput } from '../../src/ui/deal-card.js';
import { ActionId } from '../../src/ui/ids.js';
import { allOptions } from '../../src/ui/select-options.js';
import { assertWithinBlockKitLimits, displayedText, hasLiveFormatting, mrkdwnTexts } from '../helpers/block-kit-limits.js';
import { HOSTILE, LONG_TITLE, NOW, bareDeal, makeDeal, makeStages, owner, pipeline } from './fixtures.js';

function input(overrides: Partial<DealCardInput> = {}): DealCardInput {
  const stages = makeStages();
  return {
    deal: makeDeal(),
    stage: stages[3] ?? null,
    pipeline,
    pipelineStages: stages,
    owner,
    crmName: 'Pipedrive',
    viewerZone: 'Europe/Berlin',
    now: NOW,
    ...overrides,
  };
}

const header = (blocks: KnownBlock[]) => blocks.find((b): b is HeaderBlock => b.type === 'header');
const fields = (blocks: KnownBlock[]) =>
  (blocks.find((b): b is SectionBlock => b.type === 'section' && !!b.fields)?.fields ?? []).map((f) => f.text);
const actions = (blocks: KnownBlock[]) => blocks.find((b): b is ActionsBlock => b.type === 'actions')?.elements ?? [];
const buttons = (blocks: KnownBlock[]) => actions(blocks).filter((e): e is Button => e.type === 'button');
const moveSelect = (blocks: KnownBlock[]) => actions(blocks).find((e): e is StaticSelect => e.type === 'static_select');

describe('dealCard', () => {
  it('shows an open deal with its value, stage, status, people, close date and probability', () => {
    const card = dealCard(input());
    assertWithinBlockKitLimits(card);
    expect(header(card.blocks)?.text.text).toBe('Acme renewal');
    expect(fields(card.blocks)).toEqual([
      '*Value*\n€12,000',
      '*Stage*\nProposal made · Sales',
      '*Status*\n🟢 Open',
      '*Owner*\nAda Lovelace',
      '*Organization*\nAcme GmbH',
      '*Person*\nGrace Hopper',
      '*Expected close*\nin 3 days (Mar 13)',
      '*Probability*\n60%',
    ]);
    expect(mrkdwnTexts(card)).toContain('#42 · created 3 days ago');
    expect(card.text).toContain('Acme renewal');
    expect(card.text).toContain('€12,000');
  });

  it('offers Move (to every other stage), Won, Lost, Timeline and Open in Pipedrive on an open deal', () => {
    const card = dealCard(input());
    const select = moveSelect(card.blocks);
    expect(select?.action_id).toBe(ActionId.cardMove);
    expect(select?.options?.map((o) => o.text.text)).toEqual(['Lead in', 'Qualified', 'Demo scheduled', 'Negotiations started']);
    expect(JSON.parse(select?.options?.[0]?.value ?? '')).toEqual({ dealId: '42', stageId: '1' });
    expect(buttons(card.blocks).map((b) => [b.text.text, b.action_id, b.value, b.style])).toEqual([
      ['Won', ActionId.cardWon, '42', 'primary'],
      ['Lost', ActionId.cardLost, '42', 'danger'],
      ['Timeline', ActionId.cardTimeline, '42', undefined],
      ['Open in Pipedrive', ActionId.cardOpenInCrm, '42', undefined],
    ]);
    expect(buttons(card.blocks).find((b) => b.action_id === ActionId.cardOpenInCrm)?.url).toBe('https://acme.pipedrive.com/deal/42');
  });

  it('offers Reopen instead of Move/Won/Lost once the deal is closed, and shows the lost reason', () => {
    const card = dealCard(input({ deal: makeDeal({ status: 'lost', lostReason: 'No budget this year' }) }));
    assertWithinBlockKitLimits(card);
    expect(moveSelect(card.blocks)).toBeUndefined();
    expect(buttons(card.blocks).map((b) => b.action_id)).toEqual([ActionId.cardReopen, ActionId.cardTimeline, ActionId.cardOpenInCrm]);
    expect(fields(card.blocks)).toContain('*Status*\n✖ Lost: No budget this year');
  });

  it('adds Share in channel only to an ephemeral card', () => {
    expect(buttons(dealCard(input({ ephemeral: true })).blocks).map((b) => b.action_id)).toContain(ActionId.cardShare);
    expect(buttons(dealCard(input()).blocks).map((b) => b.action_id)).not.toContain(ActionId.cardShare);
  });

  it('marks an open deal past its close date as overdue, but not a won one', () => {
    const late = makeDeal({ expectedCloseDate: '2026-03-07' });
    expect(fields(dealCard(input({ deal: late })).blocks)).toContain('*Expected close*\n⚠️ Overdue: 3 days ago (Mar 7)');
    const won = makeDeal({ expectedCloseDate: '2026-03-07', status: 'won' });
    expect(fields(dealCard(input({ deal: won })).blocks)).toContain('*Expected close*\n3 days ago (Mar 7)');
  });

  it('reads the close date in the viewer’s zone', () => {
    const deal = makeDeal({ expectedCloseDate: '2026-03-11' });
    const lateEvening = NOW.set({ hour: 23, minute: 30 }); // Berlin; already the 11th in Tokyo
    expect(fields(dealCard(input({ deal, now: lateEvening })).blocks)).toContain('*Expected close*\ntomorrow (Mar 11)');
    expect(fields(dealCard(input({ deal, now: lateEvening, viewerZone: 'Asia/Tokyo' })).blocks)).toContain(
      '*Expected close*\ntoday (Mar 11)',
    );
  });

  it('leaves out what is not set, and says so where a field is always shown', () => {
    const card = dealCard(input({ deal: bareDeal(), owner: null, stage: null, pipeline: null, pipelineStages: [] }));
    assertWithinBlockKitLimits(card);
    expect(fields(card.blocks)).toEqual(['*Value*\n—', '*Stage*\nUnknown stage', '*Status*\n🟢 Open', '*Owner*\nUnassigned']);
    expect(moveSelect(card.blocks)).toBeUndefined();
    expect(buttons(card.blocks).map((b) => b.action_id)).toEqual([ActionId.cardWon, ActionId.cardLost, ActionId.cardTimeline]);
  });

  it('falls back to the stage’s probability', () => {
    const card = dealCard(input({ deal: makeDeal({ probability: null }) }));
    expect(fields(card.blocks)).toContain('*Probability*\n80% (stage default)');
  });

  it('puts the context line on top', () => {
    const card = dealCard(input({ context: 'Moved to *Proposal made* by <@U123ABC> just now' }));
    assertWithinBlockKitLimits(card);
    expect(card.blocks[0]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'Moved to *Proposal made* by <@U123ABC> just now', verbatim: true }],
    });
  });

  it('renders a hostile title, names and reason literally', () => {
    const deal = makeDeal({
      title: HOSTILE,
      status: 'lost',
      lostReason: HOSTILE,
      organization: { id: '1', name: HOSTILE },
      person: { id: '2', name: HOSTILE },
    });
    const stages = makeStages().map((s) => ({ ...s, name: `${HOSTILE} ${s.name}` }));
    const card = dealCard(
      input({
        deal,
        stage: stages[3] ?? null,
        pipelineStages: stages,
        pipeline: { ...pipeline, name: HOSTILE },
        owner: { ...owner, name: HOSTILE },
      }),
    );
    assertWithinBlockKitLimits(card);
    expect(header(card.blocks)?.text.text).toBe(HOSTILE);
    for (const text of mrkdwnTexts(card)) expect(hasLiveFormatting(text, HOSTILE)).toBe(false);
    expect(fields(card.blocks).map(displayedText)).toContain(`*Organization*\n${HOSTILE}`);
    expect(fields(card.blocks).map(displayedText)).toContain(`*Status*\n✖ Lost: ${HOSTILE}`);
    expect(displayedText(card.text)).toContain(HOSTILE);
  });

  it('stays within limits with a 500-character title and 300 stages', () => {
    const stages = makeStages(300);
    const card = dealCard(input({ deal: makeDeal({ title: LONG_TITLE, lostReason: LONG_TITLE }), pipelineStages: stages }));
    assertWithinBlockKitLimits(card);
    expect(header(card.blocks)?.text.text.length).toBeLessThanOrEqual(150);
    expect(header(card.blocks)?.text.text.endsWith('…')).toBe(true);
    // Every other stage stays pickable: 299 in groups of at most 100.
    const select = moveSelect(card.blocks);
    expect(select?.options).toBeUndefined();
    expect(select?.option_groups?.map((g) => g.options.length)).toEqual([100, 100, 99]);
  });

  it('lets the person pick stage #250 of 300 from the Move menu', () => {
    const stages = makeStages(300);
    const card = dealCard(input({ deal: makeDeal({ stageId: '1' }), pipelineStages: stages }));
    assertWithinBlockKitLimits(card);
    const options = allOptions(moveSelect(card.blocks)!);
    expect(options).toHaveLength(299);
    const picked = options.find(
      (o) => o.text.text === stages[249]!.name && (JSON.parse(o.value!) as { stageId: string }).stageId === '250',
    );
    expect(picked).toBeDefined();
    expect(JSON.parse(picked!.value!)).toEqual({ dealId: '42', stageId: '250' });
  });

  it('gives an untitled deal a header Slack accepts', () => {
    const card = dealCard(input({ deal: makeDeal({ title: '   ' }) }));
    assertWithinBlockKitLimits(card);
    expect(header(card.blocks)?.text.text).toBe('Untitled deal');
  });

  it('does not link to a CRM url that is not http(s)', () => {
    const card = dealCard(input({ deal: makeDeal({ url: 'javascript:alert(1)' }) }));
    expect(buttons(card.blocks).map((b) => b.action_id)).not.toContain(ActionId.cardOpenInCrm);
  });
});
