// Replays through Bolt's HTTP receiver. Bolt accepts any correctly signed request whose
// timestamp is less than five minutes old; the same bytes sent again (a captured request, a
// proxy that retries) must change nothing and announce nothing. Each test signs a request
// once, lets it do its work, undoes that work by another gesture, then sends the very same
// bytes (same timestamp, same signature) again. Against the seeded embedded CRM: deal 4
// "Tailspin Toys webshop" is open.
//
// "Nothing happened" is observed, not waited for: after the replay, a marker command is sent
// and its answer awaited; a replay that got through would have announced before it.

import { afterEach, describe, expect, it } from 'vitest';
import type { StandinCall } from '../../src/console/slack-api-standin.js';
import { ActionId, CallbackId, LostFormField } from '../../src/ui/ids.js';
import { blockActionPayload, slashCommandPayload, textValue, viewSubmissionPayload } from '../helpers/slack-payloads.js';
import { formBody, payloadBody, postSigned } from '../helpers/slack-signing.js';
import { CHANNEL, SIGNING_SECRET, shown, startHarness, type Harness } from '../listeners/http-harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** One signed request, sendable any number of times byte for byte. */
function captured(body: string): () => Promise<Response> {
  const timestamp = Math.floor(Date.now() / 1000);
  return () => postSigned({ url: h.url, secret: SIGNING_SECRET, body, timestamp });
}

function deal(text: string): string {
  return formBody(
    slashCommandPayload({ command: '/deal', text, channel: CHANNEL, responseUrl: h.standin.responseUrl({ channel: CHANNEL.id }) }),
  );
}

const announcedAfter = (mark: number) => (c: StandinCall, i: number) =>
  i >= mark && c.method === 'response_url' && c.args.response_type === 'in_channel';

/** Sends `/deal find <marker>` and waits for its answer: everything sent before it has been handled. */
async function settle(): Promise<void> {
  const mark = h.standin.calls.length;
  const marker = `marker${mark}`;
  await h.command(
    slashCommandPayload({
      command: '/deal',
      text: `find ${marker}`,
      channel: CHANNEL,
      responseUrl: h.standin.responseUrl({ channel: CHANNEL.id }),
    }),
  );
  await h.standin.waitFor((c, i) => i >= mark && c.method === 'response_url' && shown(c.args).includes(marker));
}

/** Reopens deal 4 by another gesture (`/deal reopen 4`, a new trigger_id) and waits for its answer. */
async function reopen(): Promise<void> {
  const mark = h.standin.calls.length;
  await h.command(Object.fromEntries(new URLSearchParams(deal('reopen 4'))));
  await h.standin.waitFor((c, i) => i >= mark && c.method === 'response_url' && String(c.args.text).includes('Reopened'));
  expect((await h.local.getDeal('4')).status).toBe('open');
}

const replyWith = (words: string) => (c: StandinCall) => c.method === 'response_url' && shown(c.args).includes(words);

describe('a replayed state-changing request changes nothing and announces nothing', () => {
  it('/deal won, replayed after a reopen', async () => {
    h = await startHarness();
    const won = captured(deal('won 4'));

    expect((await won()).status).toBe(200);
    const announced = await h.standin.waitFor(announcedAfter(0));
    expect(String(announced.args.text)).toContain('won *Tailspin Toys webshop*');
    await h.standin.waitFor(replyWith('✓ Marked *Tailspin Toys webshop* won.'));
    expect((await h.local.getDeal('4')).status).toBe('won');
    await reopen();

    const mark = h.standin.calls.length;
    const replay = await won();
    expect(replay.status).toBe(200);
    expect(await replay.text()).toBe('');
    await settle();

    expect((await h.local.getDeal('4')).status).toBe('open');
    expect(h.standin.calls.slice(mark).filter((c, i) => announcedAfter(0)(c, i))).toEqual([]);
    expect(h.standin.calls.slice(mark).filter((c) => shown(c.args).includes('Tailspin'))).toEqual([]);
  });

  it('a Won button click, replayed after a reopen', async () => {
    h = await startHarness();
    const click = captured(
      payloadBody(
        blockActionPayload({
          action: { action_id: ActionId.cardWon, value: '4' },
          message: { ts: '1700000000.000500', channel: CHANNEL, ephemeral: true },
          responseUrl: h.standin.responseUrl({ channel: CHANNEL.id, ts: '1700000000.000500', ephemeral: true }),
          triggerId: h.standin.triggerId(),
        }),
      ),
    );

    await click();
    await h.standin.waitFor(announcedAfter(0));
    await h.standin.waitFor((c) => c.method === 'response_url' && c.args.replace_original === true && shown(c.args).includes('Won by'));
    expect((await h.local.getDeal('4')).status).toBe('won');
    await reopen();

    const mark = h.standin.calls.length;
    expect((await click()).status).toBe(200);
    await settle();

    expect((await h.local.getDeal('4')).status).toBe('open');
    expect(h.standin.calls.slice(mark).filter((c) => shown(c.args).includes('Tailspin'))).toEqual([]);
  });

  it('a lost-reason submission, replayed after a reopen', async () => {
    h = await startHarness();
    await h.interact(
      blockActionPayload({
        action: { action_id: ActionId.cardLost, value: '4' },
        message: { ts: '1700000000.000600', channel: CHANNEL, ephemeral: true },
        responseUrl: h.standin.responseUrl({ channel: CHANNEL.id, ts: '1700000000.000600', ephemeral: true }),
        triggerId: h.standin.triggerId(),
      }),
    );
    const opened = await h.standin.waitForCall('views.open');
    const viewId = (opened.result.view as { id: string }).id;
    await h.standin.waitFor(
      (c) => c.method === 'views.update' && c.args.view_id === viewId && shown(c.args.view).includes(LostFormField.reason),
    );
    const view = h.standin.view(viewId)!;
    const submit = captured(
      payloadBody(
        viewSubmissionPayload({
          view: { id: viewId, hash: view.hash, callback_id: CallbackId.lostReasonModal, private_metadata: String(view.private_metadata) },
          values: { [LostFormField.reason]: { [LostFormField.reason]: textValue('Budget cut') } },
        }),
      ),
    );

    await submit();
    await h.standin.waitFor((c, i) => announcedAfter(0)(c, i) && shown(c.args).includes('lost: Budget cut'));
    await h.standin.waitFor((c) => c.method === 'response_url' && c.args.replace_original === true && shown(c.args).includes('Budget cut'));
    expect((await h.local.getDeal('4')).status).toBe('lost');
    await reopen();

    const mark = h.standin.calls.length;
    expect((await submit()).status).toBe(200);
    await settle();

    expect((await h.local.getDeal('4')).status).toBe('open');
    expect(h.standin.calls.slice(mark).filter((c) => shown(c.args).includes('Budget cut') || shown(c.args).includes('Tailspin'))).toEqual(
      [],
    );
  });

  it('two real clicks of the same button are two deliveries: the second is answered, not dropped', async () => {
    h = await startHarness();
    const click = () =>
      h.interact(
        blockActionPayload({
          action: { action_id: ActionId.cardWon, value: '4' },
          message: { ts: '1700000000.000700', channel: CHANNEL, ephemeral: true },
          responseUrl: h.standin.responseUrl({ channel: CHANNEL.id, ts: '1700000000.000700', ephemeral: true }),
          triggerId: h.standin.triggerId(),
        }),
      );
    await click();
    await h.standin.waitFor(announcedAfter(0));
    const mark = h.standin.calls.length;
    await click();
    // Handled, not dropped: the person gets an answer; the deal is not announced twice.
    await h.standin.waitFor((c, i) => i >= mark && c.method === 'response_url');
    expect(h.standin.calls.filter((c, i) => announcedAfter(0)(c, i))).toHaveLength(1);
  });
});
