// `/pipeline alerts …` and `/deal alerts me` through the real HTTP receiver, against the
// seeded embedded CRM: a channel subscribes in one line and is told who set what; the list is
// numbered; someone else's subscription cannot be turned off by another member; the alerts
// modal opens before anything is looked up, and its submission is told to the channel.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlertStore } from '../../src/store/alert-store.js';
import { scopeStore } from '../../src/store/scoped-store.js';
import { ActionId, CallbackId } from '../../src/ui/ids.js';
import { assertWithinBlockKitLimits, displayedText, mrkdwnTexts } from '../helpers/block-kit-limits.js';
import { slashCommandPayload, viewSubmissionPayload } from '../helpers/slack-payloads.js';
import { ADA, BOB, CHANNEL, startHarness, type Harness } from '../listeners/http-harness.js';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  await h.close();
});

const command = (name: '/pipeline' | '/deal', text: string, user = ADA) =>
  h.command(
    slashCommandPayload({
      command: name,
      text,
      channel: CHANNEL,
      user: { id: user.id, name: user.name },
      responseUrl: h.standin.responseUrl({ channel: CHANNEL.id }),
      triggerId: h.standin.triggerId(),
    }),
  );

/** What a person reads of a response_url post: its blocks' text, zero-width spaces and entities undone. */
const readText = (args: Record<string, unknown>) =>
  [String(args.text), ...mrkdwnTexts(args.blocks ?? [])].map(displayedText).join('\n').replaceAll('\u200b', '');

const nextReply = async (predicate: (args: Record<string, unknown>) => boolean = () => true) => {
  const from = h.standin.calls.length;
  return (a: Promise<Response>) =>
    a.then(async (res) => {
      expect(res.status).toBe(200);
      const call = await h.standin.waitFor((c, i) => i >= from && c.method === 'response_url' && predicate(c.args));
      return call.args;
    });
};

describe('/pipeline alerts', () => {
  it('subscribes the channel in one line and tells it who set what', async () => {
    const reply = await (await nextReply())(command('/pipeline', 'alerts won lost in Sales over 10k'));
    expect(reply.response_type).toBe('in_channel');
    const text = readText(reply);
    expect(text).toContain('<@U0CONSOLE> set alerts here: won and lost in *Sales* over 10,000');
    expect(text).toContain('/pipeline alerts list');
    assertWithinBlockKitLimits(reply.blocks);

    // What was stored is what was said.
    const stored = await createAlertStore(scopeStore(h.store, `slack:${h.standin.bot.teamId}`)).listByChannel(CHANNEL.id);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ events: ['won', 'lost'], pipelineName: 'Sales', minValue: 10_000, createdBy: ADA.id });
  });

  it('reads stages and owners by name, and says them back', async () => {
    const reply = await (await nextReply())(command('/pipeline', 'alerts moved to negotiation by me batched 15m quiet 22:00-07:00 thread'));
    const text = readText(reply);
    expect(text).toContain('moves into *Negotiation*');
    expect(text).toContain('owned by *Ada Lovelace*');
    expect(text).toContain('batched every 15 minutes');
    expect(text).toContain('quiet 22:00–07:00 (Europe/Berlin)');
    expect(text).toContain('one thread per deal');
  });

  it('answers a stage that does not exist with the stages there are, and stores nothing', async () => {
    const reply = await (await nextReply())(command('/pipeline', 'alerts moved to Contract in Sales'));
    expect(reply.response_type).toBe('ephemeral');
    const text = readText(reply);
    expect(text).toContain('There is no stage called “Contract” in Sales');
    expect(text).toContain('`Negotiation`');
  });

  it('answers a mistake with what to type', async () => {
    const reply = await (await nextReply())(command('/pipeline', 'alerts won over lots'));
    expect(reply.response_type).toBe('ephemeral');
    expect(readText(reply)).toContain('`lots` is not an amount');
    expect(readText(reply)).toContain('/pipeline alerts moved won in Sales over 10k');
  });

  it('lists the channel’s alerts numbered, and refuses another member turning off someone else’s', async () => {
    await (
      await nextReply()
    )(command('/pipeline', 'alerts won lost'));
    await (
      await nextReply()
    )(command('/pipeline', 'alerts new in Partnerships', BOB));

    const list = readText(await (await nextReply())(command('/pipeline', 'alerts list')));
    // Numbered as `off n` counts them (oldest first; the harness' clock stands still, so either order).
    const numberOf = (what: string) => Number(new RegExp(`(\\d)\\. ${what}`).exec(list)?.[1]);
    const ada = numberOf('won and lost · set by <@U0CONSOLE>');
    const bob = numberOf('new deals in \\*Partnerships\\* · set by <@U0BOB>');
    expect([ada, bob].sort()).toEqual([1, 2]);

    const refused = await (await nextReply())(command('/pipeline', `alerts off ${ada}`, BOB));
    expect(refused.response_type).toBe('ephemeral');
    const words = readText(refused);
    expect(words).toContain('Only whoever set these alerts, or a workspace admin, can change or turn them off. Nothing was changed.');
    expect(words).toContain('set by <@U0CONSOLE>');

    // `off` alone in a channel of two asks which.
    expect(readText(await (await nextReply())(command('/pipeline', 'alerts off', BOB)))).toContain('say which to turn off');

    const off = await (await nextReply())(command('/pipeline', `alerts off ${bob}`, BOB));
    expect(off.response_type).toBe('in_channel');
    expect(readText(off)).toContain('<@U0BOB> turned off alerts here: new deals in *Partnerships*');
    const left = readText(await (await nextReply())(command('/pipeline', 'alerts list')));
    expect(left).toContain('1. won and lost');
    expect(left).not.toContain('Partnerships');
  });

  it('opens the alerts modal before any lookup, then tells the channel what was saved', async () => {
    await command('/pipeline', 'alerts');
    const opened = await h.standin.waitForCall('views.open');
    const filled = await h.standin.waitFor(
      (c) => c.method === 'views.update' && JSON.stringify(c.args.view).includes(CallbackId.alertSettingsModal),
    );
    // The modal opened at once, in its loading state: before it, only Bolt's start and the
    // access check's look-ups of who is asking and where (nothing of the listener's own).
    const before = h.standin.calls.slice(0, h.standin.calls.indexOf(opened)).map((c) => c.method);
    expect(before.filter((m) => !['auth.test', 'users.info', 'conversations.info'].includes(m))).toEqual([]);
    expect(JSON.stringify(opened.args.view)).toContain('Loading the alert settings');
    // The stand-in refuses a view Slack would refuse: the modal was really filled.
    expect(filled.result.ok).toBe(true);
    const view = filled.args.view as { private_metadata: string; blocks: unknown[] };
    assertWithinBlockKitLimits(view);
    const json = JSON.stringify(view.blocks);
    expect(json).toContain('Moved to another stage');
    expect(json).toContain('Negotiation');
    expect(json).toContain('Grace Hopper');

    const stages = (
      view.blocks as Array<{
        block_id?: string;
        element?: { option_groups?: Array<{ options: Array<{ value: string; text: { text: string } }> }> };
      }>
    )
      .find((b) => b.block_id === ActionId.alertStages)
      ?.element?.option_groups?.flatMap((g) => g.options);
    const proposal = stages?.find((o) => o.text.text === 'Proposal');
    expect(proposal).toBeDefined();

    const select = (value: string) => ({ type: 'static_select', selected_option: { text: { type: 'plain_text', text: value }, value } });
    const submitted = await h.interact(
      viewSubmissionPayload({
        view: {
          id: String((opened.result.view as { id: string }).id),
          callback_id: CallbackId.alertSettingsModal,
          private_metadata: view.private_metadata,
        },
        values: {
          [ActionId.alertEvents]: {
            [ActionId.alertEvents]: { type: 'checkboxes', selected_options: [{ text: { type: 'plain_text', text: 'Won' }, value: 'won' }] },
          },
          [ActionId.alertStages]: {
            [ActionId.alertStages]: {
              type: 'multi_static_select',
              selected_options: [{ text: { type: 'plain_text', text: 'Proposal' }, value: proposal?.value }],
            },
          },
          [ActionId.alertMinValue]: { [ActionId.alertMinValue]: { type: 'number_input', value: '5000' } },
          [ActionId.alertDelivery]: { [ActionId.alertDelivery]: select('30') },
          [ActionId.alertQuietFrom]: { [ActionId.alertQuietFrom]: { type: 'timepicker', selected_time: '20:00' } },
          [ActionId.alertQuietTo]: { [ActionId.alertQuietTo]: { type: 'timepicker', selected_time: '08:00' } },
          [ActionId.alertQuietZone]: { [ActionId.alertQuietZone]: select('Europe/Berlin') },
        },
        user: { id: ADA.id, name: ADA.name },
      }),
    );
    expect(submitted.status).toBe(200);
    const told = await h.standin.waitFor((c) => c.method === 'chat.postMessage' && String(c.args.text).includes('set alerts here'));
    expect(told.args.channel).toBe(CHANNEL.id);
    const text = readText(told.args);
    // Picking a stage to move into ticks "Moved".
    expect(text).toContain(
      '<@U0CONSOLE> set alerts here: moves into *Proposal* and won over 5,000, batched every 30 minutes, quiet 20:00–08:00 (Europe/Berlin)',
    );
  });

  it('tells the person by direct message when the channel refuses the announcement after the modal closed', async () => {
    h.standin.failNext('chat.postMessage', 'channel_not_found');
    const res = await h.interact(
      viewSubmissionPayload({
        view: { id: 'VALERTS2', callback_id: CallbackId.alertSettingsModal, private_metadata: JSON.stringify({ channelId: CHANNEL.id }) },
        values: {
          [ActionId.alertEvents]: {
            [ActionId.alertEvents]: {
              type: 'checkboxes',
              selected_options: [{ text: { type: 'plain_text', text: 'Lost' }, value: 'lost' }],
            },
          },
        },
        user: { id: ADA.id, name: ADA.name },
      }),
    );
    expect(res.status).toBe(200);
    const dm = await h.standin.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === ADA.id);
    expect(dm.result.ok).toBe(true);
    expect(readText(dm.args)).toContain(
      'Your deal alerts for <#C0CONSOLE> are saved, but I could not tell the channel: Slack answered “channel_not_found”',
    );
  });

  it('answers a mistake in the modal next to its field', async () => {
    const res = await h.interact(
      viewSubmissionPayload({
        view: { id: 'VALERTS', callback_id: CallbackId.alertSettingsModal, private_metadata: JSON.stringify({ channelId: CHANNEL.id }) },
        values: {
          [ActionId.alertEvents]: { [ActionId.alertEvents]: { type: 'checkboxes', selected_options: [] } },
          [ActionId.alertQuietFrom]: { [ActionId.alertQuietFrom]: { type: 'timepicker', selected_time: '22:00' } },
        },
        user: { id: ADA.id, name: ADA.name },
      }),
    );
    const ack = (await res.json()) as { response_action: string; errors: Record<string, string> };
    expect(ack.response_action).toBe('errors');
    expect(ack.errors[ActionId.alertEvents]).toBe('Pick at least one event.');
    expect(ack.errors[ActionId.alertQuietTo]).toMatch(/both times/);
  });
});

describe('/deal alerts me', () => {
  it('turns a person’s own alerts on and off', async () => {
    const on = await (await nextReply())(command('/deal', 'alerts me'));
    expect(on.response_type).toBe('ephemeral');
    expect(readText(on)).toContain('I’ll send you a direct message when someone else changes a deal you own');
    const again = await (await nextReply())(command('/deal', 'alerts me'));
    expect(readText(again)).toContain('already on');
    const stored = await createAlertStore(scopeStore(h.store, `slack:${h.standin.bot.teamId}`)).listByPerson(ADA.id);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.ownerId).not.toBeNull();

    const off = await (await nextReply())(command('/deal', 'alerts me off'));
    expect(readText(off)).toContain('no more direct messages');
    expect(await createAlertStore(scopeStore(h.store, `slack:${h.standin.bot.teamId}`)).listByPerson(ADA.id)).toEqual([]);
  });
});
