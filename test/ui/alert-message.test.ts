import type { ActionsBlock, KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { DealEvent } from '../../src/domain/deal-events.js';
import {
  alertBatchMessage,
  alertCapMessage,
  alertLine,
  alertMessage,
  alertsPausedNotice,
  alertThreadParent,
  mergedChanges,
  type AlertContext,
} from '../../src/ui/alert-message.js';
import { ActionId, encodeDealStage } from '../../src/ui/ids.js';
import { alertSubscription, dealEvent } from '../services/alert-harness.js';
import {
  assertWithinBlockKitLimits,
  blockKitProblems,
  displayedText,
  hasLiveFormatting,
  linkTarget,
  mrkdwnTexts,
} from '../helpers/block-kit-limits.js';
import { linkTarget as mrkdwnLinkTarget } from '../../src/ui/mrkdwn.js';
import { HOSTILE, LONG_TITLE, NOW, makeStages, owner, pipeline } from './fixtures.js';

const stages = makeStages();
const ctx: AlertContext = {
  stages: new Map(stages.map((s) => [s.id, s])),
  pipelines: new Map([[pipeline.id, pipeline]]),
  users: new Map([[owner.id, owner]]),
  crmName: 'Pipedrive',
  now: NOW,
};
const URL = 'https://acme.pipedrive.com/deal/7';
const withUrl = (event: DealEvent): DealEvent => ({ ...event, deal: { ...event.deal, url: URL } });
/**
 * Within Slack's limits, and no markup but ours: the deal's link (built from the CRM's own
 * address, named to the checker as ours), user mentions, date tokens and channel mentions.
 * Every other `<` and `&` must be escaped, link labels included, as the full checker demands.
 */
const assertSafe = (message: { text: string; blocks: KnownBlock[] }, links: readonly string[] = [URL]): void => {
  // Channel mentions (`<#C…>`) are ours too, but the checker has no rule for them.
  const channels = JSON.parse(JSON.stringify(message), (key, value: unknown) =>
    key === 'text' && typeof value === 'string' ? value.replace(/<#C[A-Z0-9]+>/g, '') : value,
  );
  expect(blockKitProblems(channels, { links })).toEqual([]);
};
/** What a person reads: entities decoded, markers gone. */
const read = (message: { blocks: KnownBlock[] }): string =>
  mrkdwnTexts(message.blocks)
    .map((t) => displayedText(t).replace(/\*/g, ''))
    .join('\n');
const actionsOf = (message: { blocks: KnownBlock[] }): ActionsBlock => message.blocks.find((b): b is ActionsBlock => b.type === 'actions')!;

describe('one alert', () => {
  it('says who did what to which deal, its value and the stages, with the title linked to the CRM', () => {
    const moved = withUrl(dealEvent('7', { kind: 'moved', fromStageId: '2', toStageId: '4' }, { actor: { slackUserId: 'U0ADA' } }));
    const message = alertMessage(moved, ctx);
    assertSafe(message);
    expect(alertLine(moved, ctx)).toBe(`➡️ <@U0ADA> moved *<${URL}|Deal 7>* — €1,000: *Qualified* → *Proposal made*`);
    expect(message.text).toBe(`<@U0ADA> moved *<${URL}|Deal 7>* — €1,000: *Qualified* → *Proposal made*`);
    expect(read(message)).toContain('#7 · Sales · <!date^');
  });

  it('names a CRM user who made the change in the CRM, and says a lost reason', () => {
    const lost = dealEvent('7', { kind: 'lost', lostReason: 'Went with a competitor' }, { actor: { crmUserId: owner.id } });
    expect(read(alertMessage(lost, ctx))).toContain('✖ Ada Lovelace marked Deal 7 lost — €1,000: Went with a competitor');
    const unknown = dealEvent('8', { kind: 'won' });
    expect(read(alertMessage(unknown, ctx))).toContain('🏆 Deal 8 was won — €1,000');
  });

  it('carries the deal card’s buttons, with the card’s ids and values, for an open deal and a closed one', () => {
    const created = withUrl(dealEvent('7', { kind: 'created' }));
    const open = actionsOf(alertMessage(created, ctx));
    const ids = open.elements.map((e) => e.action_id);
    expect(ids).toEqual([ActionId.cardMove, ActionId.cardWon, ActionId.cardLost, ActionId.cardTimeline, ActionId.cardOpenInCrm]);
    const select = open.elements[0] as { options: Array<{ value: string }> };
    expect(select.options.map((o) => o.value)).toEqual(['2', '3', '4', '5'].map((stageId) => encodeDealStage({ dealId: '7', stageId })));
    expect(open.elements.slice(1, 4).map((e) => (e as { value: string }).value)).toEqual(['7', '7', '7']);
    expect(open.elements[4]).toMatchObject({ url: URL });

    const won = actionsOf(alertMessage(dealEvent('7', { kind: 'won' }), ctx));
    expect(won.elements.map((e) => e.action_id)).toEqual([ActionId.cardReopen, ActionId.cardTimeline]);
  });

  it('shows hostile and endless titles, names and reasons literally, within the limits', () => {
    const events = [
      dealEvent('7', { kind: 'lost', lostReason: HOSTILE }, { deal: { title: HOSTILE }, actor: { name: HOSTILE } }),
      dealEvent('8', { kind: 'value', from: null, to: { amount: 5, currency: 'EUR' } }, { deal: { title: LONG_TITLE } }),
      dealEvent('9', { kind: 'closeDatePushed', from: '2026-03-20', to: '2026-04-30' }, { deal: { title: '' } }),
    ];
    for (const event of events) {
      for (const message of [alertMessage(event, ctx), alertThreadParent(event, ctx)]) {
        assertWithinBlockKitLimits(message);
        for (const text of mrkdwnTexts(message.blocks)) expect(hasLiveFormatting(text, HOSTILE)).toBe(false);
      }
    }
    expect(read(alertMessage(events[0]!, ctx))).toContain(`${HOSTILE} marked ${HOSTILE} lost`.replace(/\*/g, ''));
    expect(read(alertMessage(events[2]!, ctx))).toContain('The expected close of Untitled deal was pushed: Mar 20 → Apr 30');
  });
});

describe('the deal’s link', () => {
  it('links the title to the CRM url with the url and the label escaped, and the strict check takes only that link', () => {
    const url = 'https://crm.example/deals/7?a=1&b=2|x<y>';
    const event = dealEvent('7', { kind: 'won' }, { deal: { title: 'Tom & Jerry <Ltd> | *big*', url } });
    const message = alertMessage(event, ctx);
    const line = alertLine(event, ctx);
    expect(line).toContain(
      '*<https://crm.example/deals/7?a=1&amp;b=2%7Cx%3Cy%3E|Tom &amp; Jerry &lt;Ltd&gt; | \u200B*\u200Bbig\u200B*\u200B>*',
    );
    expect(line).toContain(linkTarget(url));
    expect(line).toContain(mrkdwnLinkTarget(url));
    expect(blockKitProblems(message, { links: [url] })).toEqual([]);
    // The same message, without naming the url as ours: a link is refused as markup.
    expect(blockKitProblems(message).join('\n')).toContain('contains a `<http` link');
    // The Open in CRM button goes to the url itself.
    expect(actionsOf(message).elements.at(-1)).toMatchObject({ action_id: ActionId.cardOpenInCrm, url });
  });

  it('still refuses a link in a title, also next to ours', () => {
    const event = dealEvent('7', { kind: 'won' }, { deal: { title: 'ok' } });
    const ours = alertMessage({ ...event, deal: { ...event.deal, url: URL } }, ctx);
    const planted = JSON.parse(JSON.stringify(ours).replace('|ok>', '|ok> <http://evil.example|click>')) as typeof ours;
    expect(blockKitProblems(planted, { links: [URL] }).join('\n')).toContain('contains a `<http` link');
    // A label with a bare `<` or `&` inside our link is still refused.
    const badLabel = JSON.parse(JSON.stringify(ours).replace('|ok>', '|a & b>')) as typeof ours;
    expect(blockKitProblems(badLabel, { links: [URL] }).join('\n')).toContain('unescaped "&"');
  });

  it('reads a snapshot stored before it kept a url as having none: the bold title, no Open in CRM', () => {
    const event = dealEvent('7', { kind: 'won' });
    const { url: _dropped, ...old } = { ...event.deal, url: null };
    const message = alertMessage({ ...event, deal: old as DealEvent['deal'] }, ctx);
    expect(alertLine({ ...event, deal: old as DealEvent['deal'] }, ctx)).toBe('🏆 *Deal 7* was won — €1,000');
    expect(actionsOf(message).elements.map((e) => e.action_id)).not.toContain(ActionId.cardOpenInCrm);
    assertSafe(message, []);
  });
});

describe('the parent card of a deal’s thread', () => {
  it('shows the deal as the latest event left it, and what happened last', () => {
    const won = dealEvent('7', { kind: 'won' }, { deal: { ownerId: owner.id, stageId: '4' }, actor: { slackUserId: 'U0BOB' } });
    const card = alertThreadParent(won, ctx);
    assertWithinBlockKitLimits(card);
    const text = read(card);
    expect(text).toContain('Deal 7');
    expect(text).toContain('Stage\nProposal made · Sales');
    expect(text).toContain('Status\n🏆 Won');
    expect(text).toContain('Owner\nAda Lovelace');
    expect(text).toContain('Latest: 🏆 <@U0BOB> won Deal 7');
    expect(actionsOf(card).elements.map((e) => e.action_id)).toEqual([ActionId.cardReopen, ActionId.cardTimeline]);
  });
});

describe('a batch', () => {
  it('merges each deal’s events in order: "created and moved to Proposal made"', () => {
    const events = [
      dealEvent('7', { kind: 'created' }, { at: '2026-03-10T09:00:00Z' }),
      dealEvent('7', { kind: 'moved', toStageId: '3' }, { at: '2026-03-10T09:01:00Z' }),
      dealEvent('7', { kind: 'moved', toStageId: '4' }, { at: '2026-03-10T09:02:00Z' }),
    ];
    expect(mergedChanges(events, ctx)).toBe('created and moved to *Proposal made*');
    const lost = [...events, dealEvent('7', { kind: 'lost', lostReason: 'Budget' }, { at: '2026-03-10T09:03:00Z' })];
    expect(mergedChanges(lost, ctx)).toBe('created, moved to *Proposal made* and lost (Budget)');
    const values = [
      dealEvent(
        '8',
        { kind: 'value', from: { amount: 1, currency: 'EUR' }, to: { amount: 2, currency: 'EUR' } },
        { at: '2026-03-10T09:00:00Z' },
      ),
      dealEvent(
        '8',
        { kind: 'value', from: { amount: 2, currency: 'EUR' }, to: { amount: 3, currency: 'EUR' } },
        { at: '2026-03-10T09:01:00Z' },
      ),
    ];
    expect(mergedChanges(values, ctx)).toBe('value €1 → €3');
  });

  it('holds 50 events (and 500) in one message within the limits, each deal with an Open button for its card', () => {
    for (const count of [50, 500]) {
      const events = Array.from({ length: count }, (_, i) =>
        dealEvent(
          String(i % 60),
          { kind: 'moved', toStageId: String((i % 4) + 2) },
          { deal: { title: `${LONG_TITLE} ${HOSTILE}` }, at: `2026-03-10T09:${String(i % 60).padStart(2, '0')}:00Z` },
        ),
      );
      const message = alertBatchMessage({ events, ctx, reason: 'window', everyMinutes: 15 });
      assertWithinBlockKitLimits(message);
      expect(message.blocks.length).toBeLessThanOrEqual(50);
      const opens = message.blocks.flatMap((b) => (b.type === 'section' && b.accessory?.type === 'button' ? [b.accessory] : []));
      expect(opens.every((o) => o.action_id === ActionId.openDeal)).toBe(true);
      const deals = Math.min(count, 60);
      expect(read(message)).toContain(`${count} changes to ${deals} deals in the last 15 minutes`);
      if (deals > 47) expect(read(message)).toContain(`…and ${deals - 47} more deals — see the digest`);
    }
  });

  it('says when quiet hours held them', () => {
    const message = alertBatchMessage({ events: [dealEvent('7', { kind: 'won' })], ctx, reason: 'quiet-hours' });
    expect(message.text).toBe('🌙 While quiet hours held alerts: 1 change to 1 deal');
  });
});

describe('around alerts', () => {
  it('the hourly cap says how many more and where to look', () => {
    const message = alertCapMessage({ more: 12, perHour: 20 });
    assertWithinBlockKitLimits(message);
    expect(read(message)).toContain('…and 12 more alerts this hour — see the digest');
    expect(read(message)).toContain('at most 20 alert messages an hour');
  });

  it('the author of paused alerts is told why and what to do', () => {
    const notice = alertsPausedNotice({ subscription: alertSubscription('a'), code: 'not_in_channel' });
    assertSafe(notice);
    expect(notice.text).toBe(
      '⏸️ I paused the deal alerts you set in <#C0SALES>: Dealbot is not in the channel any more. Invite me back with `/invite @Dealbot` and set them again with `/pipeline alerts` there.',
    );
  });
});
