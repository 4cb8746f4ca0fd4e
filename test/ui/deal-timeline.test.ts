import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { DealChange } from '../../src/crm/port.js';
import { summarizeTimeline } from '../../src/services/deal-timeline.js';
import { dealTimelineMessage, type DealTimelineInput } from '../../src/ui/deal-timeline.js';
import { ActionId } from '../../src/ui/ids.js';
import { assertWithinBlockKitLimits, displayedText, hasLiveFormatting, mrkdwnTexts, plainTexts } from '../helpers/block-kit-limits.js';
import { HOSTILE, LONG_TITLE, NOW, makeDeal, stageNames } from './fixtures.js';

const userNames = new Map([
  ['7', 'Ada Lovelace'],
  ['8', 'Grace Hopper'],
]);

function input(overrides: Partial<DealTimelineInput> = {}): DealTimelineInput {
  const deal = overrides.deal ?? makeDeal();
  const changes = overrides.changes ?? [];
  return {
    deal,
    changes,
    stageNames,
    userNames,
    summary: summarizeTimeline(deal, changes, NOW, overrides.nextCursor != null, { historySource: overrides.historySource ?? 'crm' }),
    viewerZone: 'Europe/Berlin',
    now: NOW,
    nextCursor: null,
    crmName: 'Pipedrive',
    supported: true,
    ...overrides,
  };
}

const at = (iso: string) => DateTime.fromISO(iso, { zone: 'UTC' });

/** The text of each entry: its section and the context line under it. */
function entries(blocks: KnownBlock[]): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  blocks.forEach((block, i) => {
    const next = blocks[i + 1];
    if (block.type === 'section' && block.text && next?.type === 'context') {
      rows.push([displayedText(block.text.text), displayedText(next.elements.map((e) => ('text' in e ? e.text : '')).join(''))]);
    }
  });
  return rows;
}

const buttons = (blocks: KnownBlock[]): Button[] =>
  blocks.filter((b): b is ActionsBlock => b.type === 'actions').flatMap((b) => b.elements.filter((e): e is Button => e.type === 'button'));

describe('dealTimelineMessage', () => {
  it('says what changed, who did it and when, relative and exact in the viewer’s zone', () => {
    const changes: DealChange[] = [
      { kind: 'status', at: at('2026-03-09T13:05:00Z'), actor: '7', from: 'open', to: 'lost', lostReason: 'No budget' },
      { kind: 'status', at: at('2026-03-08T10:00:00Z'), actor: '8', from: 'won', to: 'open', lostReason: null },
      { kind: 'status', at: at('2026-03-07T10:00:00Z'), actor: null, from: 'open', to: 'won', lostReason: null },
      { kind: 'stage', at: at('2026-03-06T10:00:00Z'), actor: '7', fromStageId: '2', toStageId: '4' },
      { kind: 'field', at: at('2026-03-05T10:00:00Z'), actor: '7', field: 'value', from: '10000', to: '12000' },
      { kind: 'field', at: at('2026-03-05T09:00:00Z'), actor: '7', field: 'ownerId', from: '8', to: '7' },
      { kind: 'field', at: at('2026-03-05T08:00:00Z'), actor: '7', field: 'expectedCloseDate', from: null, to: '2026-03-13' },
      { kind: 'note', at: at('2026-03-04T10:00:00Z'), actor: 'Someone from Slack', text: 'Called them back' },
      { kind: 'activity', at: at('2026-03-03T10:00:00Z'), actor: '8', subject: 'Demo call', done: true },
      { kind: 'stage', at: at('2026-03-02T10:00:00Z'), actor: null, fromStageId: null, toStageId: '1' },
      { kind: 'created', at: at('2026-03-02T10:00:00Z'), actor: '7' },
    ];
    const message = dealTimelineMessage(input({ changes, viewerZone: 'America/New_York' }));
    assertWithinBlockKitLimits(message);
    expect(entries(message.blocks)).toEqual([
      ['✖ Marked *lost*: No budget', 'by Ada Lovelace · yesterday · Mon, Mar 9, 2026 at 09:05 EDT'],
      ['🔄 *Reopened* (was won)', 'by Grace Hopper · 2 days ago · Sun, Mar 8, 2026 at 06:00 EDT'],
      ['🏆 Marked *won*', '3 days ago · Sat, Mar 7, 2026 at 05:00 EST'],
      ['➡️ Moved from *Qualified* to *Proposal made*', 'by Ada Lovelace · 4 days ago · Fri, Mar 6, 2026 at 05:00 EST'],
      ['💰 *Value* €10,000 → €12,000', 'by Ada Lovelace · 5 days ago · Thu, Mar 5, 2026 at 05:00 EST'],
      ['👤 *Owner* Grace Hopper → Ada Lovelace', 'by Ada Lovelace · 5 days ago · Thu, Mar 5, 2026 at 04:00 EST'],
      ['📅 *Expected close date* set to Mar 13', 'by Ada Lovelace · 5 days ago · Thu, Mar 5, 2026 at 03:00 EST'],
      ['📝 *Note*: Called them back', 'by Someone from Slack · 6 days ago · Wed, Mar 4, 2026 at 05:00 EST'],
      ['✅ *Activity done*: “Demo call”', 'by Grace Hopper · 7 days ago · Tue, Mar 3, 2026 at 05:00 EST'],
      ['➡️ Entered *Lead in*', '8 days ago · Mon, Mar 2, 2026 at 05:00 EST'],
      ['🆕 *Deal created*', 'by Ada Lovelace · 8 days ago · Mon, Mar 2, 2026 at 05:00 EST'],
    ]);
  });

  it('opens with the summary line: age, time in stage, stage moves, days to close', () => {
    const deal = makeDeal({ createdAt: NOW.minus({ days: 45 }), stageChangedAt: NOW.minus({ days: 12 }), expectedCloseDate: '2026-03-13' });
    const changes: DealChange[] = [
      { kind: 'stage', at: NOW.minus({ days: 12 }), actor: null, fromStageId: '3', toStageId: '4' },
      { kind: 'stage', at: NOW.minus({ days: 20 }), actor: null, fromStageId: '2', toStageId: '3' },
    ];
    const message = dealTimelineMessage(input({ deal, changes, nextCursor: 'next' }));
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { text: 'Timeline: Acme renewal' } });
    expect(message.blocks[1]).toMatchObject({ type: 'context' });
    expect(mrkdwnTexts(message.blocks[1])).toEqual([
      '45 days old · in *Proposal made* for 12 days · at least 2 stage moves · expected to close in 3 days',
    ]);
    const overdue = dealTimelineMessage(input({ deal: makeDeal({ expectedCloseDate: '2026-03-01' }) }));
    expect(mrkdwnTexts(overdue.blocks[1])[0]).toContain('⚠️ overdue by 9 days');
    const won = makeDeal({ status: 'won', closedAt: NOW.minus({ days: 2 }) });
    expect(mrkdwnTexts(dealTimelineMessage(input({ deal: won })).blocks[1])[0]).toMatch(/🏆 Won 2 days ago$/);
  });

  it('offers "Show older" carrying the deal id and the cursor, and the deal card', () => {
    const message = dealTimelineMessage(input({ changes: [{ kind: 'created', at: NOW, actor: null }], nextCursor: '20:abc' }));
    const [older, card, crm] = buttons(message.blocks);
    expect(older).toMatchObject({ action_id: ActionId.timelineOlder, text: { text: 'Show older' } });
    expect(JSON.parse(older?.value ?? '')).toEqual({ dealId: '42', cursor: '20:abc' });
    expect(card).toMatchObject({ action_id: ActionId.openDeal, value: '42' });
    expect(crm).toMatchObject({ action_id: ActionId.cardOpenInCrm, url: 'https://acme.pipedrive.com/deal/42' });
    expect(buttons(dealTimelineMessage(input()).blocks).map((b) => b.action_id)).not.toContain(ActionId.timelineOlder);
  });

  it('points to the CRM instead of offering a button whose cursor would not fit', () => {
    const message = dealTimelineMessage(input({ changes: [{ kind: 'created', at: NOW, actor: null }], nextCursor: 'x'.repeat(3000) }));
    assertWithinBlockKitLimits(message);
    expect(buttons(message.blocks).map((b) => b.action_id)).not.toContain(ActionId.timelineOlder);
    expect(mrkdwnTexts(message).join('\n')).toContain('older entries are in Pipedrive');
  });

  it('says plainly when the CRM keeps no history', () => {
    const message = dealTimelineMessage(input({ supported: false, crmName: 'PipelineDeals' }));
    assertWithinBlockKitLimits(message);
    expect(mrkdwnTexts(message).join('\n')).toContain('PipelineDeals keeps no stage history');
    expect(entries(message.blocks)).toEqual([]);
    expect(mrkdwnTexts(message.blocks[1])[0]).not.toContain('stage move');
  });

  it('says on top that the entries are the changes Dealbot saw when the CRM keeps no history, and since when', () => {
    const changes: DealChange[] = [
      { kind: 'stage', at: at('2026-03-06T10:00:00Z'), actor: 'Ada Lovelace', fromStageId: '2', toStageId: '4' },
      { kind: 'created', at: at('2026-03-02T10:00:00Z'), actor: 'Ada Lovelace' },
    ];
    const message = dealTimelineMessage(
      input({ changes, crmName: 'PipelineDeals', historySource: 'dealbot', journalSince: at('2026-03-02T10:00:00Z') }),
    );
    assertWithinBlockKitLimits(message);
    // Header, summary, then the notice as a context line above the entries.
    expect(message.blocks[2]).toMatchObject({ type: 'context' });
    expect(mrkdwnTexts(message.blocks[2])).toEqual([
      'ℹ️ PipelineDeals keeps no stage history; showing the changes Dealbot saw since Mar 2.',
    ]);
    expect(entries(message.blocks).map(([what]) => what)).toEqual(['➡️ Moved from *Qualified* to *Proposal made*', '🆕 *Deal created*']);
    expect(mrkdwnTexts(message.blocks[1])[0]).toContain('at least 1 stage move');
    // Without a known start (more entries beyond this page) the notice leaves the date out.
    const cut = dealTimelineMessage(input({ changes, crmName: 'PipelineDeals', historySource: 'dealbot', nextCursor: 'c' }));
    expect(mrkdwnTexts(cut.blocks[2])).toEqual(['ℹ️ PipelineDeals keeps no stage history; showing the changes Dealbot saw.']);
    // A CRM with its own history gets no such notice.
    expect(mrkdwnTexts(dealTimelineMessage(input({ changes }))).join('\n')).not.toContain('keeps no stage history');
  });

  it('says Dealbot has seen no change yet, not that the CRM recorded nothing, when its journal is empty', () => {
    const message = dealTimelineMessage(input({ crmName: 'PipelineDeals', historySource: 'dealbot' }));
    assertWithinBlockKitLimits(message);
    const texts = mrkdwnTexts(message).join('\n');
    expect(texts).toContain('PipelineDeals keeps no stage history, and Dealbot has seen no change to this deal yet.');
    expect(texts).not.toContain('No history recorded');
    expect(texts).toContain('no stage moves seen by Dealbot');
    expect(entries(message.blocks)).toEqual([]);
  });

  it('says when there is no history yet, and when an older page is empty', () => {
    expect(mrkdwnTexts(dealTimelineMessage(input())).join('\n')).toContain('No history recorded for this deal yet.');
    const older = dealTimelineMessage(input({ olderPage: true, summary: null }));
    expect(plainTexts(older.blocks[0])).toEqual(['Older history: Acme renewal']);
    expect(mrkdwnTexts(older).join('\n')).toContain('No older entries.');
  });

  it.each([1, 20, 21, 500])('stays within Block Kit limits with %i entries, cutting with "and N more"', (count) => {
    const changes: DealChange[] = Array.from({ length: count }, (_, i) => ({
      kind: 'note',
      at: NOW.minus({ hours: i }),
      actor: '7',
      text: `A long note ${'with many words '.repeat(100)}`,
    }));
    const message = dealTimelineMessage(input({ changes, nextCursor: 'c' }));
    assertWithinBlockKitLimits(message);
    expect(entries(message.blocks)).toHaveLength(Math.min(count, 20));
    if (count > 20) expect(mrkdwnTexts(message).join('\n')).toMatch(new RegExp(`and ${count - 20} more entr(y|ies) not shown here`));
  });

  it('renders hostile titles, names, notes, reasons and values literally', () => {
    const hostileNames = new Map([...stageNames].map(([id]) => [id, HOSTILE]));
    const changes: DealChange[] = [
      { kind: 'status', at: NOW, actor: HOSTILE, from: 'open', to: 'lost', lostReason: HOSTILE },
      { kind: 'stage', at: NOW, actor: '7', fromStageId: '1', toStageId: '2' },
      { kind: 'field', at: NOW, actor: '7', field: 'title', from: HOSTILE, to: HOSTILE },
      { kind: 'field', at: NOW, actor: '7', field: 'value', from: HOSTILE, to: '5' },
      { kind: 'note', at: NOW, actor: '7', text: HOSTILE },
      { kind: 'activity', at: NOW, actor: '7', subject: HOSTILE, done: false },
    ];
    const message = dealTimelineMessage(
      input({
        deal: makeDeal({ title: HOSTILE }),
        changes,
        stageNames: hostileNames,
        userNames: new Map([['7', HOSTILE]]),
        crmName: HOSTILE,
      }),
    );
    assertWithinBlockKitLimits(message);
    for (const text of mrkdwnTexts(message)) expect(hasLiveFormatting(text, HOSTILE)).toBe(false);
    expect(displayedText(message.text)).toContain(HOSTILE);
    expect(entries(message.blocks).map(([what]) => what)).toContain(`✖ Marked *lost*: ${HOSTILE}`);
    expect(entries(message.blocks).map(([what]) => what)).toContain(`📝 *Note*: ${HOSTILE}`);
  });

  it('keeps a 500-character title inside the header limit', () => {
    const message = dealTimelineMessage(input({ deal: makeDeal({ title: LONG_TITLE }) }));
    assertWithinBlockKitLimits(message);
  });
});
