// The App Home tab end to end through Bolt's HTTP receiver: an `app_home_opened` event (a
// signed Events API callback) publishes the viewer's open deals from the seeded embedded
// CRM, read on Monday 16 November 2026 in Berlin; its buttons send a card as a DM and open
// the create modal.

import { afterEach, describe, expect, it } from 'vitest';
import { ActionId, CallbackId, DealFormField } from '../../src/ui/ids.js';
import { blockActionPayload, selectValue, textValue, viewSubmissionPayload } from '../helpers/slack-payloads.js';
import { ADA, BOB, blocksOf, buttonValue, shown, startHarness, type Harness } from '../listeners/http-harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const homeOpened = (user: string, tab = 'home') => ({
  type: 'app_home_opened',
  user,
  channel: `D${user.slice(1)}`,
  tab,
  event_ts: '1794819600.000100',
});

/** Headers and rows of the Home view, in order, as plain text. */
function outline(view: unknown): string[] {
  return blocksOf({ view }).flatMap((b) => {
    const block = b as { type: string; text?: { text: string } };
    if (block.type === 'header' || block.type === 'section') return [block.text?.text ?? ''];
    return [];
  });
}

describe('the Home tab', () => {
  it("lists the viewer's open deals: overdue, closing this week, then the rest", async () => {
    h = await startHarness();
    // An overdue deal of Ada's (the demo has none), and one of Grace's that must not show.
    await h.local.createDeal({ title: 'Globex audit', ownerId: '1', expectedCloseDate: '2026-11-10' });
    await h.local.createDeal({ title: 'Grace private deal', ownerId: '2', expectedCloseDate: '2026-11-17' });

    const res = await h.event(homeOpened(ADA.id));
    expect(res.status).toBe(200);
    const published = await h.standin.waitForCall('views.publish');
    expect(published.args.user_id).toBe(ADA.id);
    expect((published.args.view as { type: string }).type).toBe('home');

    const lines = outline(published.args.view);
    const at = (text: string) => lines.findIndex((l) => l.includes(text));
    expect(at('⚠️ Overdue (1)')).toBeLessThan(at('Globex audit'));
    expect(at('Globex audit')).toBeLessThan(at('📅 Closing this week (1)'));
    expect(at('📅 Closing this week (1)')).toBeLessThan(at('Northwind CRM rollout'));
    expect(at('Northwind CRM rollout')).toBeLessThan(at('Other open deals (2)'));
    expect(at('Other open deals (2)')).toBeLessThan(at('Proseware data migration'));
    expect(at('Proseware data migration')).toBeLessThan(at('Tailspin Toys webshop'));
    expect(lines.find((l) => l.includes('Northwind CRM rollout'))).toContain('closes in 3 days (Nov 19)');
    const all = shown(published.args.view);
    expect(all).not.toContain('Grace private deal');
    expect(all).not.toContain('Northwind training package'); // won: not open
    expect(buttonValue(blocksOf({ view: published.args.view }), ActionId.homeNewDeal)).toBeTruthy();
  });

  it('tells a person without a CRM user why the list is empty', async () => {
    h = await startHarness();
    await h.event(homeOpened(BOB.id));
    const published = await h.standin.waitForCall('views.publish');
    expect(published.args.user_id).toBe(BOB.id);
    expect(shown(published.args.view)).toContain('Dealbot CRM has no active user with your email (bob@elsewhere.test)');
  });

  it('ignores the Messages tab', async () => {
    h = await startHarness();
    await h.event(homeOpened(ADA.id, 'messages'));
    await h.event(homeOpened(ADA.id));
    await h.standin.waitForCall('views.publish');
    expect(h.standin.calls.filter((c) => c.method === 'views.publish')).toHaveLength(1);
  });

  it('"Refresh" publishes the tab again for the person who pressed it', async () => {
    h = await startHarness();
    await h.interact(
      blockActionPayload({ action: { action_id: ActionId.homeRefresh, value: 'refresh' }, view: { id: 'VHOME', type: 'home' } }),
    );
    const published = await h.standin.waitForCall('views.publish');
    expect(published.args.user_id).toBe(ADA.id);
    expect(shown(published.args.view)).toContain('Northwind CRM rollout');
  });

  it('"Open" sends the deal\'s card as a DM from the bot', async () => {
    h = await startHarness();
    await h.interact(blockActionPayload({ action: { action_id: ActionId.homeOpenDeal, value: '1' }, view: { id: 'VHOME', type: 'home' } }));
    const dm = await h.standin.waitFor((c) => c.method === 'chat.postMessage');
    expect(dm.args.channel).toBe(ADA.id);
    expect(shown(dm.args.blocks)).toContain('Northwind CRM rollout');
    expect(buttonValue(blocksOf(dm.args), ActionId.cardWon)).toBe('1');
  });

  it('"New deal" opens the create modal, and the created deal\'s card arrives as a DM', async () => {
    h = await startHarness();
    await h.interact(
      blockActionPayload({
        action: { action_id: ActionId.homeNewDeal, value: 'new' },
        view: { id: 'VHOME', type: 'home' },
        triggerId: h.standin.triggerId(),
      }),
    );
    const opened = await h.standin.waitForCall('views.open');
    // The access check asks Slack who the person is once (`users.info`) before anything else.
    expect(h.standin.calls.find((c) => c.method !== 'auth.test' && c.method !== 'users.info')?.method).toBe('views.open');
    const viewId = (opened.result.view as { id: string }).id;
    await h.standin.waitFor((c) => c.method === 'views.update' && shown(c.args.view).includes('Qualified'));
    const view = h.standin.view(viewId)!;
    await h.interact(
      viewSubmissionPayload({
        view: { id: viewId, hash: view.hash, callback_id: CallbackId.createDealModal, private_metadata: String(view.private_metadata) },
        values: {
          [DealFormField.title]: { [DealFormField.title]: textValue('Initech upgrade') },
          [DealFormField.stage]: { 'deal_stage:1': selectValue('1', 'Qualified') },
        },
      }),
    );
    const dm = await h.standin.waitFor((c) => c.method === 'chat.postMessage' && shown(c.args.blocks).includes('Initech upgrade'));
    expect(dm.args.channel).toBe(ADA.id);
  });
});
