// End to end through Bolt's HTTP receiver with signed payloads: the "New deal" global
// shortcut, the "Create deal from message" and "Attach to deal" message shortcuts, and the
// option requests of their search-as-you-type pickers, against the seeded embedded CRM.
// What is asserted is what people notice: the modals (opened before any CRM call), the
// Web API calls in order, the note on the deal in the CRM and the card in the thread.

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { CrmClient } from '../../src/crm/port.js';
import type { StandinCall } from '../../src/console/slack-api-standin.js';
import { AttachFormField, CallbackId, DealFormExtraField, DealFormField } from '../../src/ui/ids.js';
import {
  blockSuggestionPayload,
  externalSelectValue,
  messageShortcutPayload,
  selectValue,
  shortcutPayload,
  textValue,
  viewSubmissionPayload,
} from '../helpers/slack-payloads.js';
import { ADA, BOB, CHANNEL, NOW, blocksOf, shown, startHarness, type Harness } from '../listeners/http-harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** A CRM whose every call waits for `open()`; `calls` lists what was asked, in order. */
function gatedCrm(inner: CrmClient) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const calls: string[] = [];
  const crm = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        calls.push(String(prop));
        await gate;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { crm, calls, open: () => open() };
}

/** A CRM that counts the searches that reach it. */
function countingCrm(inner: CrmClient) {
  const searches: string[] = [];
  const crm: CrmClient = {
    ...inner,
    searchDeals: (term, options) => {
      searches.push(`deals:${term}`);
      return inner.searchDeals(term, options);
    },
    searchOrganizations: (term, options) => {
      searches.push(`organizations:${term}`);
      return inner.searchOrganizations!(term, options);
    },
    searchPersons: (term, options) => {
      searches.push(`persons:${term}`);
      return inner.searchPersons!(term, options);
    },
  };
  return { crm, searches };
}

const indexOf = (calls: readonly StandinCall[], predicate: (c: StandinCall) => boolean): number => calls.findIndex(predicate);

/** The first Web API call the app made for the person (Bolt's own `auth.test` aside). */
// The access check asks Slack once who the person is (`users.info`) and whether the channel is
// shared with another organization (`conversations.info`), before anything else.
const ACCESS_CHECK = new Set(['auth.test', 'users.info', 'conversations.info']);
const firstCall = (): string | undefined => h.standin.calls.find((c) => !ACCESS_CHECK.has(c.method))?.method;

describe('the "New deal" global shortcut', () => {
  it('acks and opens the modal while the CRM has not answered anything, then fills it in', async () => {
    let gated!: ReturnType<typeof gatedCrm>;
    h = await startHarness({
      crm: (local) => {
        gated = gatedCrm(local);
        return gated.crm;
      },
    });
    // The ack comes back while every CRM call is still held: nothing stood before it.
    const res = await h.interact(shortcutPayload({ callbackId: CallbackId.newDealShortcut, triggerId: h.standin.triggerId() }));
    expect(res.status).toBe(200);

    const opened = await h.standin.waitForCall('views.open');
    expect(firstCall()).toBe('views.open');
    expect(opened.args.trigger_id).toBeTruthy();
    expect(shown(opened.args.view)).toContain('Loading');
    expect(h.standin.calls.some((c) => c.method === 'views.update')).toBe(false);

    gated.open();
    const filled = await h.standin.waitFor((c) => c.method === 'views.update' && shown(c.args.view).includes('Qualified'));
    expect(filled.args.view_id).toBe((opened.result.view as { id: string }).id);
    expect(gated.calls.length).toBeGreaterThan(0);
    // The embedded CRM can search parties: the pickers are in the form.
    const blockIds = blocksOf(filled.args).map((b) => b.block_id);
    expect(blockIds).toEqual(expect.arrayContaining([DealFormExtraField.organization, DealFormExtraField.person]));
  });
});

describe('"Create deal from message"', () => {
  const text =
    '*Acme Corp* wants 50 seats for Q3 — can we quote by Friday, with SSO and onboarding for all three of their teams?\n' +
    'Details from <@U0BOB>: budget is approved, see <https://acme.example/rfp|the RFP>';
  // Posted at "now": Monday 16 November 2026, 10:00 in Berlin.
  const messageTs = `${NOW.toSeconds()}.000100`;

  function shortcut(responseUrl: string) {
    return messageShortcutPayload({
      callbackId: CallbackId.createFromMessageShortcut,
      message: { ts: messageTs, text, user: BOB.id, channel: CHANNEL },
      responseUrl,
      triggerId: h.standin.triggerId(),
    });
  }

  async function openAndSubmit(extraValues: Record<string, unknown> = {}) {
    await h.interact(shortcut(h.standin.responseUrl({ channel: CHANNEL.id })));
    const opened = await h.standin.waitForCall('views.open');
    const viewId = (opened.result.view as { id: string }).id;
    const filled = await h.standin.waitFor((c) => c.method === 'views.update' && shown(c.args.view).includes(DealFormExtraField.note));
    const view = h.standin.view(viewId)!;
    const values = {
      [DealFormField.title]: { [DealFormField.title]: textValue('Acme Corp: 50 seats') },
      [DealFormField.stage]: { 'deal_stage:1': selectValue('2', 'Needs defined') },
      [DealFormExtraField.organization]: { [DealFormExtraField.organization]: externalSelectValue('1', 'Northwind Traders') },
      [DealFormExtraField.note]: { [DealFormExtraField.note]: textValue('Acme wants 50 seats. Budget is approved.') },
      ...extraValues,
    };
    const res = await h.interact(
      viewSubmissionPayload({
        view: { id: viewId, hash: view.hash, callback_id: CallbackId.createDealModal, private_metadata: String(view.private_metadata) },
        values,
      }),
    );
    return { opened, filled, res };
  }

  it('opens with the first line as the title and the message as the note, then puts the note on the deal and the card in the thread', async () => {
    h = await startHarness();
    const { opened, filled, res } = await openAndSubmit();

    // The modal opened with the title from the first line, cut at a word, before anything else.
    expect(firstCall()).toBe('views.open');
    const title = blocksOf(opened.args).find((b) => b.block_id === DealFormField.title)?.element?.initial_value as string;
    expect(title.startsWith('Acme Corp wants 50 seats for Q3')).toBe(true);
    expect(title.length).toBeLessThanOrEqual(80);
    expect(title.endsWith('…')).toBe(true);
    expect(title).not.toContain('*');
    // The note holds the message as people read it: mentions named, links spelled out.
    const note = blocksOf(filled.args).find((b) => b.block_id === DealFormExtraField.note)?.element?.initial_value as string;
    expect(note).toContain('Details from @Bob Stranger: budget is approved, see the RFP (https://acme.example/rfp)');
    expect(shown(filled.args.view)).toContain('<@U0BOB>');

    expect(await res.json()).toMatchObject({ response_action: 'update' });
    const thread = await h.standin.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === messageTs);
    expect(thread.args.channel).toBe(CHANNEL.id);
    expect(shown(thread.args.blocks)).toContain('Acme Corp: 50 seats');
    expect(shown(thread.args.blocks)).toContain('Created from this message by <@U0CONSOLE>');
    const done = await h.standin.waitFor((c) => c.method === 'views.update' && shown(c.args.view).includes('Deal created'));
    expect(shown(done.args.view)).toContain('as a note');

    // In order: open, fill, then after the submission the permalink, the thread card, "created".
    const calls = h.standin.calls;
    const at = (p: (c: StandinCall) => boolean) => indexOf(calls, p);
    const order = [
      at((c) => c.method === 'views.open'),
      at((c) => c === filled),
      at((c) => c.method === 'chat.getPermalink'),
      at((c) => c === thread),
      at((c) => c === done),
    ];
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    // The CRM has the deal with its organization, and the note with author and permalink.
    const dealId = /#(\d+)/.exec(shown(done.args.view))?.[1] ?? '';
    const deal = await h.local.getDeal(dealId);
    expect(deal.title).toBe('Acme Corp: 50 seats');
    expect(deal.organization?.name).toBe('Northwind Traders');
    const history = await h.local.getDealHistory(dealId);
    const noted = history.items.find((c) => c.kind === 'note');
    expect(noted && noted.kind === 'note' ? noted.text : '').toMatch(
      new RegExp(
        `^Acme wants 50 seats\\. Budget is approved\\.\\n\\n— Bob Stranger in Slack, 16 Nov 2026, 10:00 GMT\\+1\\nhttp://127\\.0\\.0\\.1:\\d+/archives/C0CONSOLE/p${messageTs.replace('.', '')}$`,
      ),
    );
  });

  it('answers privately, with the way out, when the bot may not post in the thread', async () => {
    h = await startHarness();
    h.standin.failNext('chat.postMessage', 'not_in_channel');
    await openAndSubmit();
    const answer = await h.standin.waitFor((c) => c.method === 'response_url' && shown(c.args).includes('Acme Corp: 50 seats'));
    expect(answer.args.response_type).toBe('ephemeral');
    expect(String(answer.args.text)).toContain('/invite @Dealbot');
  });

  it('keeps everything typed, the note included, when the CRM refuses the deal', async () => {
    h = await startHarness();
    const { res } = await openAndSubmit({
      // An organization the CRM does not have: refused next to the organization field.
      [DealFormExtraField.organization]: { [DealFormExtraField.organization]: externalSelectValue('999', 'Ghost Inc') },
    });
    expect(await res.json()).toMatchObject({ response_action: 'update' });
    const redrawn = await h.standin.waitFor((c) => c.method === 'views.update' && shown(c.args.view).includes('999'));
    const blocks = blocksOf(redrawn.args);
    const organization = blocks.find((b) => b.block_id === DealFormExtraField.organization) as { hint?: { text: string } } | undefined;
    expect(organization?.hint?.text).toMatch(/no organization with id 999/);
    const note = blocks.find((b) => b.block_id === DealFormExtraField.note)?.element?.initial_value;
    expect(note).toBe('Acme wants 50 seats. Budget is approved.');
    expect(h.standin.calls.some((c) => c.method === 'chat.postMessage')).toBe(false);
  });
});

describe('"Create deal from message" with an amount at the end of the line', () => {
  it('prefills the value and currency, as `/deal new` reads a line, and keeps the rest as the title', async () => {
    h = await startHarness();
    await h.interact(
      messageShortcutPayload({
        callbackId: CallbackId.createFromMessageShortcut,
        message: {
          ts: '1763283800.000300',
          text: 'Sell Initech the premium plan, 20k USD\nThey asked twice.',
          user: BOB.id,
          channel: CHANNEL,
        },
        responseUrl: h.standin.responseUrl({ channel: CHANNEL.id }),
        triggerId: h.standin.triggerId(),
      }),
    );
    const opened = await h.standin.waitForCall('views.open');
    const initial = (id: string) =>
      blocksOf(opened.args).find((b) => b.block_id === id)?.element as
        { initial_value?: string; initial_option?: { value: string } } | undefined;
    expect(initial(DealFormField.title)?.initial_value).toBe('Sell Initech the premium plan');
    expect(initial(DealFormField.value)?.initial_value).toBe('20000');
    expect(initial(DealFormField.currency)?.initial_option?.value).toBe('USD');
  });
});

describe('"Create deal from message" on real message shapes', () => {
  it('titles a legacy bot message by its attachment and keeps the attachment text in the note', async () => {
    h = await startHarness();
    const legacy = JSON.parse(readFileSync(new URL('../fixtures/slack/legacy-bot-message.json', import.meta.url), 'utf8')) as Record<
      string,
      unknown
    >;
    const payload = messageShortcutPayload({
      callbackId: CallbackId.createFromMessageShortcut,
      message: { ts: String(legacy.ts), text: '', channel: CHANNEL },
      responseUrl: h.standin.responseUrl({ channel: CHANNEL.id }),
      triggerId: h.standin.triggerId(),
    });
    await h.interact({ ...payload, message: legacy });
    const opened = await h.standin.waitForCall('views.open');
    const filled = await h.standin.waitForCall('views.update');
    const initial = (args: Record<string, unknown>, id: string) =>
      (blocksOf(args).find((b) => b.block_id === id)?.element as { initial_value?: string } | undefined)?.initial_value;
    expect(initial(opened.args, DealFormField.title)).toBe('Incident Triggered');
    expect(initial(filled.args, DealFormExtraField.note)).toBe('Incident Triggered\nAn incident has been triggered.');
  });

  it('keeps an order number with an underscore and an emoji code as typed', async () => {
    h = await startHarness();
    await h.interact(
      messageShortcutPayload({
        callbackId: CallbackId.createFromMessageShortcut,
        message: { ts: '1763283800.000400', text: 'Renewal PO_4506904380 :lion_face:', user: BOB.id, channel: CHANNEL },
        responseUrl: h.standin.responseUrl({ channel: CHANNEL.id }),
        triggerId: h.standin.triggerId(),
      }),
    );
    const opened = await h.standin.waitForCall('views.open');
    const title = (blocksOf(opened.args).find((b) => b.block_id === DealFormField.title)?.element as { initial_value?: string })
      .initial_value;
    expect(title).toBe('Renewal PO_4506904380 :lion_face:');
  });
});

describe('"Attach to deal"', () => {
  const messageTs = '1763283700.000200';

  async function openAttach() {
    const responseUrl = h.standin.responseUrl({ channel: CHANNEL.id });
    const res = await h.interact(
      messageShortcutPayload({
        callbackId: CallbackId.attachToDealShortcut,
        message: {
          ts: messageTs,
          text: 'Signed &amp; sealed: they want the <https://x.example/c|contract> by Monday',
          user: BOB.id,
          channel: CHANNEL,
        },
        responseUrl,
        triggerId: h.standin.triggerId(),
      }),
    );
    expect(res.status).toBe(200);
    const opened = await h.standin.waitForCall('views.open');
    return { viewId: (opened.result.view as { id: string }).id, opened };
  }

  async function suggest(viewId: string, value: string) {
    const res = await h.interact(
      blockSuggestionPayload({
        actionId: AttachFormField.deal,
        blockId: AttachFormField.deal,
        value,
        view: { id: viewId, callback_id: CallbackId.attachNoteModal },
      }),
    );
    return (await res.json()) as { options: Array<{ text: { text: string }; value: string }> };
  }

  it('opens at once, searches deals as the person types, adds the note once and confirms in the thread', async () => {
    let counting!: ReturnType<typeof countingCrm>;
    h = await startHarness({
      crm: (local) => {
        counting = countingCrm(local);
        return counting.crm;
      },
    });
    const { viewId, opened } = await openAttach();
    expect(firstCall()).toBe('views.open');
    const note = blocksOf(opened.args).find((b) => b.block_id === AttachFormField.note)?.element?.initial_value;
    expect(note).toBe('Signed & sealed: they want the contract (https://x.example/c) by Monday');

    // One letter is not enough to search; two are, and the same term again costs nothing.
    expect((await suggest(viewId, 'N')).options).toEqual([]);
    const found = await suggest(viewId, 'northwind');
    await suggest(viewId, 'Northwind ');
    expect(counting.searches).toEqual(['deals:northwind']);
    expect(found.options.map((o) => o.value)).toEqual(expect.arrayContaining(['1', '9']));
    for (const option of found.options) expect(option.text.text.length).toBeLessThanOrEqual(75);
    expect(found.options.find((o) => o.value === '1')?.text.text).toMatch(/^Northwind CRM rollout · #1 · €24,000/);

    const view = h.standin.view(viewId)!;
    const submission = viewSubmissionPayload({
      view: { id: viewId, hash: view.hash, callback_id: CallbackId.attachNoteModal, private_metadata: String(view.private_metadata) },
      values: {
        [AttachFormField.deal]: { [AttachFormField.deal]: externalSelectValue('1', found.options[0]?.text.text) },
        [AttachFormField.note]: { [AttachFormField.note]: textValue('They signed; contract by Monday.') },
      },
    });
    // A double-click: two deliveries of the same submission add one note.
    const [first, second] = await Promise.all([h.interact(submission), h.interact(submission)]);
    expect(await first.json()).toMatchObject({ response_action: 'update' });
    expect(second.status).toBe(200);

    const confirmation = await h.standin.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === messageTs);
    expect(String(confirmation.args.text)).toContain('attached this message to *Northwind CRM rollout* (#1)');
    await h.standin.waitFor((c) => c.method === 'views.update' && shown(c.args.view).includes('Added the message'));
    const notes = (await h.local.getDealHistory('1')).items.filter((c) => c.kind === 'note');
    const ours = notes.filter((c) => c.kind === 'note' && c.text.startsWith('They signed'));
    expect(ours).toHaveLength(1);
    expect(ours[0]?.kind === 'note' && ours[0].text).toContain('— Bob Stranger in Slack');
    expect(h.standin.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
  });

  it('asks for a deal next to the picker when none was chosen', async () => {
    h = await startHarness();
    const { viewId } = await openAttach();
    const view = h.standin.view(viewId)!;
    const res = await h.interact(
      viewSubmissionPayload({
        view: { id: viewId, hash: view.hash, callback_id: CallbackId.attachNoteModal, private_metadata: String(view.private_metadata) },
        values: {
          [AttachFormField.deal]: { [AttachFormField.deal]: externalSelectValue(null) },
          [AttachFormField.note]: { [AttachFormField.note]: textValue('x') },
        },
      }),
    );
    expect(await res.json()).toEqual({
      response_action: 'errors',
      errors: { [AttachFormField.deal]: 'Pick a deal: type 2 letters of its title.' },
    });
  });

  it('brings the form back with the deal and the note when the deal is gone', async () => {
    h = await startHarness();
    const { viewId } = await openAttach();
    const view = h.standin.view(viewId)!;
    await h.interact(
      viewSubmissionPayload({
        view: { id: viewId, hash: view.hash, callback_id: CallbackId.attachNoteModal, private_metadata: String(view.private_metadata) },
        values: {
          [AttachFormField.deal]: { [AttachFormField.deal]: externalSelectValue('404', 'Deleted deal · #404') },
          [AttachFormField.note]: { [AttachFormField.note]: textValue('Keep me') },
        },
      }),
    );
    const redrawn = await h.standin.waitFor((c) => c.method === 'views.update' && shown(c.args.view).includes('Keep me'));
    expect(shown(redrawn.args.view)).toContain('no deal #404');
    expect(shown(redrawn.args.view)).toContain('Deleted deal · #404');
  });
});

describe('a CRM that keeps no notes', () => {
  const withoutNotes = (local: CrmClient): CrmClient => {
    const { addNote: _addNote, ...rest } = local;
    return rest;
  };

  it('gets no note field from "Create deal from message", and the card still goes to the thread', async () => {
    h = await startHarness({ crm: withoutNotes });
    const messageTs = `${NOW.toSeconds()}.000400`;
    await h.interact(
      messageShortcutPayload({
        callbackId: CallbackId.createFromMessageShortcut,
        message: { ts: messageTs, text: 'Hooli pilot', user: BOB.id, channel: CHANNEL },
        responseUrl: h.standin.responseUrl({ channel: CHANNEL.id }),
        triggerId: h.standin.triggerId(),
      }),
    );
    const opened = await h.standin.waitForCall('views.open');
    const viewId = (opened.result.view as { id: string }).id;
    const filled = await h.standin.waitFor((c) => c.method === 'views.update' && shown(c.args.view).includes('Qualified'));
    expect(blocksOf(filled.args).some((b) => b.block_id === DealFormExtraField.note)).toBe(false);
    const view = h.standin.view(viewId)!;
    await h.interact(
      viewSubmissionPayload({
        view: { id: viewId, hash: view.hash, callback_id: CallbackId.createDealModal, private_metadata: String(view.private_metadata) },
        values: {
          [DealFormField.title]: { [DealFormField.title]: textValue('Hooli pilot') },
          [DealFormField.stage]: { 'deal_stage:1': selectValue('1', 'Qualified') },
        },
      }),
    );
    await h.standin.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === messageTs);
    const done = await h.standin.waitFor((c) => c.method === 'views.update' && shown(c.args.view).includes('Deal created'));
    expect(shown(done.args.view)).toContain('Its card is in the thread.');
  });

  it('says at once that "Attach to deal" cannot work there', async () => {
    h = await startHarness({ crm: withoutNotes });
    await h.interact(
      messageShortcutPayload({
        callbackId: CallbackId.attachToDealShortcut,
        message: { ts: '1794819600.000500', text: 'x', user: BOB.id, channel: CHANNEL },
        triggerId: h.standin.triggerId(),
      }),
    );
    const opened = await h.standin.waitForCall('views.open');
    expect(shown(opened.args.view)).toContain('has no notes Dealbot can add to');
  });
});

describe('organization and person pickers of the create modal', () => {
  it('search the CRM from two letters, cache each term, and offer at most 100 options of at most 75 characters', async () => {
    let counting!: ReturnType<typeof countingCrm>;
    h = await startHarness({
      crm: (local) => {
        counting = countingCrm(local);
        return counting.crm;
      },
    });
    for (let i = 1; i <= 120; i++) await h.local.createOrganization({ name: `Umbrella ${i} ${'Holdings '.repeat(10)}` });
    const ask = async (actionId: string, value: string) => {
      const res = await h.interact(
        blockSuggestionPayload({ actionId, blockId: actionId, value, view: { id: 'VCREATE', callback_id: CallbackId.createDealModal } }),
      );
      return ((await res.json()) as { options: Array<{ text: { text: string }; value: string }> }).options;
    };

    expect(await ask(DealFormExtraField.organization, 'u')).toEqual([]);
    const umbrellas = await ask(DealFormExtraField.organization, 'umbrella');
    expect(umbrellas).toHaveLength(100);
    for (const option of umbrellas) expect(option.text.text.length).toBeLessThanOrEqual(75);
    await ask(DealFormExtraField.organization, 'UMBRELLA');
    expect(await ask(DealFormExtraField.person, 'maria')).toEqual([
      { text: { type: 'plain_text', text: 'Maria Anders', emoji: true }, value: '1' },
    ]);
    expect(counting.searches).toEqual(['organizations:umbrella', 'persons:maria']);
  });

  it('creates the deal with the organization and person picked', async () => {
    h = await startHarness();
    await h.interact(shortcutPayload({ callbackId: CallbackId.newDealShortcut, triggerId: h.standin.triggerId() }));
    const opened = await h.standin.waitForCall('views.open');
    const viewId = (opened.result.view as { id: string }).id;
    await h.standin.waitFor((c) => c.method === 'views.update' && shown(c.args.view).includes('Qualified'));
    const view = h.standin.view(viewId)!;
    await h.interact(
      viewSubmissionPayload({
        view: { id: viewId, hash: view.hash, callback_id: CallbackId.createDealModal, private_metadata: String(view.private_metadata) },
        values: {
          [DealFormField.title]: { [DealFormField.title]: textValue('Contoso expansion') },
          [DealFormField.stage]: { 'deal_stage:1': selectValue('1', 'Qualified') },
          [DealFormExtraField.organization]: { [DealFormExtraField.organization]: externalSelectValue('2', 'Contoso Ltd') },
          [DealFormExtraField.person]: { [DealFormExtraField.person]: externalSelectValue('2', 'Jordan Blake') },
        },
      }),
    );
    // No channel behind a global shortcut: the card arrives as a DM from the bot.
    const card = await h.standin.waitFor((c) => c.method === 'chat.postMessage' && shown(c.args.blocks).includes('Contoso expansion'));
    expect(card.args.channel).toBe(ADA.id);
    expect(shown(card.args.blocks)).toContain('Jordan Blake');
    const { hits } = await h.local.searchDeals('Contoso expansion');
    const deal = await h.local.getDeal(hits[0]?.id ?? '');
    expect(deal.organization).toEqual({ id: '2', name: 'Contoso Ltd' });
    expect(deal.person).toEqual({ id: '2', name: 'Jordan Blake' });
  });
});
