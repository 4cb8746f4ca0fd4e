// Live cards end to end through Bolt's HTTP receiver: a card in a channel is redrawn in
// place (chat.update) with who did what and when; an ephemeral card through its
// response_url. Buttons check the deal's current state first, and a move, win or loss can
// be undone for ten minutes. Against the seeded embedded CRM (deal 4 "Tailspin Toys
// webshop" is open in Qualified, 9 is won, 11 is lost; Sales stages are 1–4).

import { scopeStore } from '../../src/store/scoped-store.js';
import { workspaceNamespace } from '../../src/store/workspace-namespace.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { StandinCall, StandinMessage } from '../../src/console/slack-api-standin.js';
import { ActionId, CallbackId, LostFormField, encodeDealStage } from '../../src/ui/ids.js';
import { blockActionPayload, textValue, viewSubmissionPayload } from '../helpers/slack-payloads.js';
import { CHANNEL, blocksOf, buttonValue, shown, startHarness, type Harness } from '../listeners/http-harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** A card the bot posted in the channel, as Slack would hand its buttons back. */
function channelCard(): StandinMessage {
  return h.standin.recordAppMessage(CHANNEL.id, 'Deal card', [{ type: 'section', text: { type: 'mrkdwn', text: 'card' } }]);
}

function press(card: { ts: string; ephemeral?: boolean }, action: Record<string, unknown> & { action_id: string }) {
  return h.interact(
    blockActionPayload({
      action,
      message: { ts: card.ts, channel: CHANNEL, ...(card.ephemeral ? { ephemeral: true } : {}) },
      responseUrl: h.standin.responseUrl({ channel: CHANNEL.id, ts: card.ts, ...(card.ephemeral ? { ephemeral: true } : {}) }),
      triggerId: h.standin.triggerId(),
    }),
  );
}

const move = (dealId: string, stageId: string) => ({
  action_id: ActionId.cardMove,
  type: 'static_select',
  selected_option: { text: 'stage', value: encodeDealStage({ dealId, stageId }) },
});
const button = (actionId: string, value: string) => ({ action_id: actionId, value });

const updateOf =
  (card: StandinMessage, from = 0) =>
  (c: StandinCall, i: number) =>
    i >= from && c.method === 'chat.update' && c.args.channel === card.channel && c.args.ts === card.ts;

const undoButtonIn = (call: StandinCall): string => {
  const id = buttonValue(blocksOf(call.args), ActionId.undoChange);
  if (!id) throw new Error(`no Undo button in ${shown(call.args)}`);
  return id;
};

describe('a card in a channel', () => {
  it('is redrawn in place after a move, with who and when; Undo puts the deal back and redraws it again', async () => {
    h = await startHarness();
    const card = channelCard();
    await press(card, move('4', '3'));

    const updated = await h.standin.waitFor(updateOf(card));
    const line = shown(updated.args.blocks);
    expect(line).toContain('Moved from *Qualified* to *Proposal* by <@U0CONSOLE> · <!date^');
    expect(line).toContain('Proposal · Sales');
    expect((await h.local.getDeal('4')).stageId).toBe('3');
    // Everyone sees the card; the Undo is for the person who moved it, privately.
    const confirmation = await h.standin.waitFor((c) => c.method === 'response_url' && shown(c.args).includes(ActionId.undoChange));
    expect(confirmation.args.response_type).toBe('ephemeral');
    expect(String(confirmation.args.text)).toContain('Moved *Tailspin Toys webshop* to *Proposal*');
    expect(h.standin.calls.indexOf(updated)).toBeLessThan(h.standin.calls.indexOf(confirmation));

    const mark = h.standin.calls.length;
    await press({ ts: '1700000000.000001', ephemeral: true }, button(ActionId.undoChange, undoButtonIn(confirmation)));
    const undone = await h.standin.waitFor(updateOf(card, mark));
    expect(shown(undone.args.blocks)).toContain('↩️ Undone: back in *Qualified* by <@U0CONSOLE>');
    expect((await h.local.getDeal('4')).stageId).toBe('1');
    const replaced = await h.standin.waitFor((c, i) => i >= mark && c.method === 'response_url' && c.args.replace_original === true);
    expect(shown(replaced.args.blocks)).toContain('Undone');

    // The same Undo again does nothing and says so.
    await press({ ts: '1700000000.000002', ephemeral: true }, button(ActionId.undoChange, undoButtonIn(confirmation)));
    await h.standin.waitFor((c) => c.method === 'response_url' && String(c.args.text).includes('already undone'));
    expect((await h.local.getDeal('4')).stageId).toBe('1');
  });

  it('shows a win on the card itself, and Undo reopens the deal', async () => {
    h = await startHarness();
    const card = channelCard();
    await press(card, button(ActionId.cardWon, '4'));

    const updated = await h.standin.waitFor(updateOf(card));
    expect(shown(updated.args.blocks)).toContain('🏆 Won by <@U0CONSOLE>');
    expect(buttonValue(blocksOf(updated.args), ActionId.cardReopen)).toBe('4');
    const confirmation = await h.standin.waitFor((c) => c.method === 'response_url' && shown(c.args).includes(ActionId.undoChange));
    expect((await h.local.getDeal('4')).status).toBe('won');
    // The card in the channel is the news: no second card is posted.
    expect(h.standin.calls.some((c) => c.method === 'response_url' && c.args.response_type === 'in_channel')).toBe(false);

    const mark = h.standin.calls.length;
    await press({ ts: '1700000000.000003', ephemeral: true }, button(ActionId.undoChange, undoButtonIn(confirmation)));
    const undone = await h.standin.waitFor(updateOf(card, mark));
    expect(shown(undone.args.blocks)).toContain('↩️ Undone: reopened');
    expect((await h.local.getDeal('4')).status).toBe('open');
  });

  it('refuses Won on a deal lost elsewhere, says so, and shows the card as the deal is now', async () => {
    h = await startHarness();
    const card = channelCard();
    await press(card, button(ActionId.cardWon, '11'));

    const refreshed = await h.standin.waitFor(updateOf(card));
    expect(shown(refreshed.args.blocks)).toContain('Already *lost* — nothing changed.');
    expect(shown(refreshed.args.blocks)).toContain('Chose a competitor on price');
    expect(buttonValue(blocksOf(refreshed.args), ActionId.cardReopen)).toBe('11');
    expect(buttonValue(blocksOf(refreshed.args), ActionId.cardWon)).toBeUndefined();
    const told = await h.standin.waitFor((c) => c.method === 'response_url' && String(c.args.text).includes('already lost'));
    expect(told.args.response_type).toBe('ephemeral');
    expect(String(told.args.text)).toContain('/deal reopen 11');
    expect((await h.local.getDeal('11')).status).toBe('lost');
  });

  it('shows a reopening on the card', async () => {
    h = await startHarness();
    const card = channelCard();
    await press(card, button(ActionId.cardReopen, '11'));
    const updated = await h.standin.waitFor(updateOf(card));
    expect(shown(updated.args.blocks)).toContain('↩️ Reopened by <@U0CONSOLE>');
    expect(buttonValue(blocksOf(updated.args), ActionId.cardWon)).toBe('11');
    expect((await h.local.getDeal('11')).status).toBe('open');
  });

  it('does not move a deal someone won since the card was drawn', async () => {
    h = await startHarness();
    const card = channelCard();
    await press(card, move('9', '1'));
    const refreshed = await h.standin.waitFor(updateOf(card));
    expect(shown(refreshed.args.blocks)).toContain('Already *won* — not moved.');
    await h.standin.waitFor((c) => c.method === 'response_url' && String(c.args.text).includes('already won, so it was not moved'));
    expect((await h.local.getDeal('9')).stageId).toBe('4');
  });

  it('marks a deal lost through the reason modal and redraws the card it was opened from', async () => {
    h = await startHarness();
    const card = channelCard();
    await press(card, button(ActionId.cardLost, '4'));
    const opened = await h.standin.waitForCall('views.open');
    const viewId = (opened.result.view as { id: string }).id;
    await h.standin.waitFor(
      (c) => c.method === 'views.update' && c.args.view_id === viewId && shown(c.args.view).includes(LostFormField.reason),
    );
    const view = h.standin.view(viewId)!;
    await h.interact(
      viewSubmissionPayload({
        view: { id: viewId, hash: view.hash, callback_id: CallbackId.lostReasonModal, private_metadata: String(view.private_metadata) },
        values: { [LostFormField.reason]: { [LostFormField.reason]: textValue('Budget cut') } },
      }),
    );
    const updated = await h.standin.waitFor(updateOf(card));
    expect(shown(updated.args.blocks)).toContain('✖ Marked lost: Budget cut by <@U0CONSOLE>');
    await h.standin.waitFor((c) => c.method === 'response_url' && shown(c.args).includes(ActionId.undoChange));
    expect((await h.local.getDeal('4')).status).toBe('lost');
  });
});

describe('Undo', () => {
  it('on an ephemeral card sits beside the change, and past its ten minutes says it expired', async () => {
    h = await startHarness();
    await press({ ts: '1700000000.000010', ephemeral: true }, move('4', '2'));
    const replaced = await h.standin.waitFor((c) => c.method === 'response_url' && c.args.replace_original === true);
    expect(replaced.args.response_type).toBe('ephemeral');
    expect(shown(replaced.args.blocks)).toContain('Moved from *Qualified* to *Needs defined*');
    const undoId = undoButtonIn(replaced);

    // Ten minutes later the store has forgotten the undo (kept under the workspace's namespace).
    await scopeStore(h.store, workspaceNamespace({ teamId: h.standin.bot.teamId })).delete(`undo:${undoId}`);
    await press({ ts: '1700000000.000010', ephemeral: true }, button(ActionId.undoChange, undoId));
    await h.standin.waitFor((c) => c.method === 'response_url' && String(c.args.text).includes('This undo has expired'));
    expect((await h.local.getDeal('4')).stageId).toBe('2');
  });

  it('leaves a deal alone that changed after the change it would undo', async () => {
    h = await startHarness();
    await press({ ts: '1700000000.000011', ephemeral: true }, move('4', '2'));
    const replaced = await h.standin.waitFor((c) => c.method === 'response_url' && c.args.replace_original === true);
    await h.local.moveDeal('4', '3');

    await press({ ts: '1700000000.000011', ephemeral: true }, button(ActionId.undoChange, undoButtonIn(replaced)));
    const told = await h.standin.waitFor((c) => c.method === 'response_url' && shown(c.args).includes('Not undone'));
    expect(shown(told.args.blocks)).toContain('it is in *Proposal* now');
    expect((await h.local.getDeal('4')).stageId).toBe('3');
  });

  it('of a win announced in the channel announces the reopening too', async () => {
    h = await startHarness();
    await press({ ts: '1700000000.000012', ephemeral: true }, button(ActionId.cardWon, '4'));
    const announced = await h.standin.waitFor((c) => c.method === 'response_url' && c.args.response_type === 'in_channel');
    expect(String(announced.args.text)).toContain('won *Tailspin Toys webshop*');
    const card = await h.standin.waitFor((c) => c.method === 'response_url' && c.args.replace_original === true);
    expect(shown(card.args.blocks)).toContain('🏆 Won by');

    const mark = h.standin.calls.length;
    await press({ ts: '1700000000.000012', ephemeral: true }, button(ActionId.undoChange, undoButtonIn(card)));
    const reopened = await h.standin.waitFor((c, i) => i >= mark && c.method === 'response_url' && c.args.response_type === 'in_channel');
    expect(String(reopened.args.text)).toContain('reopened *Tailspin Toys webshop*');
    expect((await h.local.getDeal('4')).status).toBe('open');
  });
});
