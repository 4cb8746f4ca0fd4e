import type { Button } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { actionConfirmation, dealClosedAnnouncement } from '../../src/ui/announcements.js';
import type { DealCardInput } from '../../src/ui/deal-card.js';
import { ActionId } from '../../src/ui/ids.js';
import { assertWithinBlockKitLimits, displayedText, hasLiveFormatting, mrkdwnTexts } from '../helpers/block-kit-limits.js';
import { HOSTILE, LONG_TITLE, NOW, makeDeal, makeStages, owner, pipeline } from './fixtures.js';

function input(overrides: Partial<DealCardInput> = {}): DealCardInput & { actorUserId: string } {
  const stages = makeStages();
  return {
    deal: makeDeal({ status: 'won', closedAt: NOW }),
    stage: stages[3] ?? null,
    pipeline,
    pipelineStages: stages,
    owner,
    crmName: 'Pipedrive',
    viewerZone: 'Europe/Berlin',
    now: NOW,
    actorUserId: 'U123ABC',
    ...overrides,
  };
}

const buttonIds = (blocks: ReturnType<typeof dealClosedAnnouncement>['blocks']) =>
  blocks.flatMap((b) => (b.type === 'actions' ? b.elements.filter((e): e is Button => e.type === 'button').map((e) => e.action_id) : []));

describe('dealClosedAnnouncement', () => {
  it('announces a win with who, what and how much, followed by the card', () => {
    const message = dealClosedAnnouncement(input());
    assertWithinBlockKitLimits(message);
    expect(message.text).toBe('🏆 <@U123ABC> won *Acme renewal* — €12,000');
    expect(message.blocks[0]).toMatchObject({ type: 'section', text: { text: '🏆 <@U123ABC> won *Acme renewal* — €12,000' } });
    expect(message.blocks.some((b) => b.type === 'header')).toBe(true);
    expect(buttonIds(message.blocks)).toContain(ActionId.cardReopen);
  });

  it('announces a loss with the reason', () => {
    const message = dealClosedAnnouncement(input({ deal: makeDeal({ status: 'lost', lostReason: 'No budget this year' }) }));
    assertWithinBlockKitLimits(message);
    expect(message.text).toBe('✖ <@U123ABC> marked *Acme renewal* lost: No budget this year');
  });

  it('never carries the "Share in channel" button, even from an ephemeral card', () => {
    const message = dealClosedAnnouncement({ ...input(), ephemeral: true });
    expect(buttonIds(message.blocks)).not.toContain(ActionId.cardShare);
  });

  it('renders a hostile title and reason literally, and does not trust a bad actor id', () => {
    const message = dealClosedAnnouncement({
      ...input({ deal: makeDeal({ status: 'lost', title: HOSTILE, lostReason: HOSTILE }) }),
      actorUserId: '<!channel>',
    });
    assertWithinBlockKitLimits(message);
    for (const text of mrkdwnTexts(message)) expect(hasLiveFormatting(text, HOSTILE)).toBe(false);
    expect(displayedText(message.text)).toBe(`✖ <!channel> marked *${HOSTILE}* lost: ${HOSTILE}`);
  });

  it('stays within limits with a 500-character title and reason', () => {
    const message = dealClosedAnnouncement(input({ deal: makeDeal({ status: 'lost', title: LONG_TITLE, lostReason: LONG_TITLE }) }));
    assertWithinBlockKitLimits(message);
  });
});

describe('actionConfirmation', () => {
  it('is a one-line context message', () => {
    const message = actionConfirmation('Moved to *Proposal* by <@U123ABC>');
    assertWithinBlockKitLimits(message);
    expect(message.text).toBe('Moved to *Proposal* by <@U123ABC>');
  });
});
