// Every surface goes through one policy check (issue #16): this test finds every listener the
// app registers (by running `registerListeners` against a recorder, so listeners added later
// are walked too), drives each one — every command and subcommand, action id, view and
// shortcut callback id, options request and event — as a guest through Bolt's HTTP receiver
// with the embedded CRM, and proves each is refused politely and that no deal title reaches
// anything Slack receives. The few surfaces that need nothing (an "Open in CRM" link's click,
// `/deal help`, `user_change`) are named, so a new one cannot pass as "needs nothing" unseen.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '@slack/bolt';
import type { StandinCall, StandinUser } from '../../src/console/slack-api-standin.js';
import { registerListeners } from '../../src/listeners/index.js';
import { SHORTCUTS } from '../../src/listeners/shortcuts/catalog.js';
import { classifyRequest, PIPELINE_COMMAND_ACCESS } from '../../src/listeners/surface-access.js';
import { DEAL_SUBCOMMAND_HELP } from '../../src/parse/deal-command.js';
import { parsePipelineCommand } from '../../src/parse/pipeline-command.js';
import { encodeDealStage } from '../../src/ui/ids.js';
import {
  blockActionPayload,
  blockSuggestionPayload,
  messageShortcutPayload,
  shortcutPayload,
  slashCommandPayload,
  viewSubmissionPayload,
} from '../helpers/slack-payloads.js';
import { CHANNEL, shown, startHarness, type Harness } from '../listeners/http-harness.js';

const GUEST: StandinUser = { id: 'U0GUEST', name: 'gus', realName: 'Gus Guest', email: 'ada@example.com', isRestricted: true };
const AS_GUEST = { user: { id: GUEST.id, name: GUEST.name } };

type Registration = { kind: 'command' | 'action' | 'view' | 'options' | 'shortcut' | 'event' | 'message'; id: string };

/** What the app registers: `registerListeners` run against a recorder of Bolt's registration calls. */
function registrations(): Registration[] {
  const found: Registration[] = [];
  const idOf = (first: unknown, key: string): string => {
    if (typeof first === 'string') return first;
    const value = (first as Record<string, unknown> | null)?.[key];
    if (typeof value === 'string') return value;
    throw new Error(`a listener is registered by pattern (${String(first)}): give it an id the access table can name`);
  };
  const recorder = {
    command: (name: unknown) => found.push({ kind: 'command', id: idOf(name, 'command') }),
    action: (id: unknown) => found.push({ kind: 'action', id: idOf(id, 'action_id') }),
    view: (id: unknown) => found.push({ kind: 'view', id: idOf(id, 'callback_id') }),
    options: (id: unknown) => found.push({ kind: 'options', id: idOf(id, 'action_id') }),
    shortcut: (id: unknown) => found.push({ kind: 'shortcut', id: idOf(id, 'callback_id') }),
    event: (name: unknown) => found.push({ kind: 'event', id: idOf(name, 'type') }),
    message: () => found.push({ kind: 'message', id: 'message' }),
  };
  registerListeners(recorder as unknown as App<never>);
  return found;
}

/** Surfaces that need nothing: nothing to refuse, and nothing about a deal is shown. */
const NEEDS_NOTHING = new Set(['action:deal_card_open_in_crm', 'event:user_change']);

/** `/pipeline` lines that between them reach every kind of its grammar (checked below). */
const PIPELINE_LINES = [
  '',
  'Sales',
  'timeline',
  'digest',
  'digest list',
  'digest now',
  'digest daily 09:00',
  'digest off',
  'alerts',
  'alerts list',
  'alerts off',
  'alerts won',
];

let h: Harness;
let titles: string[];

beforeAll(async () => {
  h = await startHarness({ users: [GUEST] });
  titles = [];
  for (let id = 1; id <= 20; id += 1) {
    const deal = await h.local.getDeal(String(id)).catch(() => null);
    if (deal) titles.push(deal.title);
  }
  expect(titles.length).toBeGreaterThan(10);
});
afterAll(async () => {
  await h?.close();
});

/** A refusal as a message, modal or Home tab (🔒), or as a submission's field error (its words). */
const refusal = (text: string) => text.includes('🔒') || text.includes('full members of this workspace only');
const callsFrom = (from: number): StandinCall[] => h.standin.calls.slice(from);

/** Waits for the refusal the guest is shown (in the ack, or in a Slack call after it). */
async function refusedSomewhere(ack: string, from: number): Promise<string> {
  if (refusal(ack)) return ack;
  const call = await h.standin.waitFor((c, i) => i >= from && refusal(shown(c.args)), 5000);
  return shown(call.args);
}

function expectNoDealShown(ack: string, from: number): void {
  const seen = ack + shown(callsFrom(from).map((c) => c.args));
  for (const title of titles) expect(seen, `a deal title reached Slack: ${title}`).not.toContain(title);
}

/** A plausible value for each action id, so a listener that did run would show a deal. */
function actionFor(id: string): Record<string, unknown> & { action_id: string } {
  const stage = encodeDealStage({ dealId: '4', stageId: '3' });
  const values: Record<string, string> = {
    deal_card_move: stage,
    deal_pick_stage: stage,
    deal_pick: JSON.stringify({ op: 'show', dealId: '4' }),
    deal_timeline_older: JSON.stringify({ dealId: '4', cursor: '' }),
    pipeline_pick: '1',
    deal_form_pipeline: '1',
  };
  const value = values[id] ?? '4';
  return { action_id: id, value, selected_option: { text: 'x', value } };
}

describe('every registered listener, driven by a guest', () => {
  const found = registrations();

  it('finds the listeners of every surface', () => {
    const kinds = new Set(found.map((r) => r.kind));
    for (const kind of ['command', 'action', 'view', 'options', 'shortcut', 'event'] as const) expect(kinds).toContain(kind);
    // The recorder sees what index.ts registers: a listener added there is walked here.
    expect(found.length).toBeGreaterThan(25);
  });

  it('the /pipeline lines reach every kind of its grammar', () => {
    const reached = new Set(PIPELINE_LINES.map((line) => parsePipelineCommand(line).kind));
    const kinds = Object.keys(PIPELINE_COMMAND_ACCESS).filter((k) => k !== 'help' && k !== 'invalid');
    expect([...reached].sort()).toEqual(expect.arrayContaining(kinds.sort()));
  });

  for (const registration of found.filter((r) => r.kind === 'command')) {
    const lines =
      registration.id === '/deal'
        ? Object.values(DEAL_SUBCOMMAND_HELP).flatMap((help) => help.examples.map((e) => e.replace(/^\/deal\s*/, '')))
        : PIPELINE_LINES;
    for (const text of lines) {
      it(`${registration.id} ${text}`, async () => {
        const from = h.standin.calls.length;
        const payload = slashCommandPayload({
          command: registration.id,
          text,
          ...AS_GUEST,
          responseUrl: h.standin.responseUrl({ channel: CHANNEL.id }),
          triggerId: h.standin.triggerId(),
        });
        const need = classifyRequest(payload).need;
        const ack = await (await h.command(payload)).text();
        if (need !== 'none') expect(await refusedSomewhere(ack, from)).toContain('full members of this workspace only');
        expectNoDealShown(ack, from);
      });
    }
  }

  for (const registration of found.filter((r) => r.kind !== 'command')) {
    it(`${registration.kind} ${registration.id}`, async () => {
      const from = h.standin.calls.length;
      const responseUrl = h.standin.responseUrl({ channel: CHANNEL.id, ephemeral: true });
      const triggerId = h.standin.triggerId();
      let payload: Record<string, unknown> | null = null;
      switch (registration.kind) {
        case 'action':
          payload = blockActionPayload({
            ...AS_GUEST,
            action: actionFor(registration.id),
            message: { ts: '1.000001', channel: CHANNEL, ephemeral: true },
            responseUrl,
            triggerId,
          });
          break;
        case 'view':
          payload = viewSubmissionPayload({
            ...AS_GUEST,
            view: {
              callback_id: registration.id,
              private_metadata: JSON.stringify({ dealId: '4', channelId: CHANNEL.id, responseUrl }),
              blocks: [{ type: 'input', block_id: 'some_field', element: { type: 'plain_text_input', action_id: 'some_field' } }],
            },
          });
          break;
        case 'options':
          payload = blockSuggestionPayload({ ...AS_GUEST, actionId: registration.id, blockId: registration.id, value: 'tail' });
          break;
        case 'shortcut': {
          const spec = SHORTCUTS.find((s) => s.callbackId === registration.id);
          payload =
            spec?.type === 'message'
              ? messageShortcutPayload({
                  ...AS_GUEST,
                  callbackId: registration.id,
                  message: { ts: '1.000003', text: 'Tailspin wants 50 seats', channel: CHANNEL },
                  responseUrl,
                  triggerId,
                })
              : shortcutPayload({ ...AS_GUEST, callbackId: registration.id, triggerId });
          break;
        }
        case 'event':
        case 'message':
          break;
      }

      if (payload) {
        const need = classifyRequest(payload).need;
        const ack = await (await h.interact(payload)).text();
        if (NEEDS_NOTHING.has(`${registration.kind}:${registration.id}`)) {
          expect(need).toBe('none');
        } else {
          expect(need).not.toBe('none');
          if (registration.kind === 'options') expect(JSON.parse(ack)).toEqual({ options: [] });
          else expect(await refusedSomewhere(ack, from)).toMatch(/full members of this workspace only/);
        }
        expectNoDealShown(ack, from);
        return;
      }

      // Events: Bolt acknowledges them itself; what the guest gets is what follows.
      const event: Record<string, unknown> = {
        type: registration.id,
        user: registration.id === 'user_change' ? { id: GUEST.id, team_id: h.standin.bot.teamId, is_restricted: true } : GUEST.id,
        channel: registration.id === 'app_home_opened' ? `D${GUEST.id.slice(1)}` : CHANNEL.id,
        tab: 'home',
        message_ts: '1.000004',
        links: [{ domain: 'example.com', url: 'https://example.com/deal/4' }],
        event_ts: '1.000004',
      };
      const need = classifyRequest({ type: 'event_callback', event }).need;
      await h.event(event);
      if (NEEDS_NOTHING.has(`event:${registration.id}`)) {
        expect(need).toBe('none');
      } else {
        expect(need).not.toBe('none');
        if (registration.id === 'app_home_opened') {
          const published = await h.standin.waitFor((c, i) => i >= from && c.method === 'views.publish');
          expect(shown(published.args.view)).toContain('full members of this workspace only');
        }
      }
      // An event after it, answered: by then the one under test was handled (one at a time per person).
      const control = h.standin.calls.length;
      await h.event({ type: 'app_home_opened', user: GUEST.id, channel: `D${GUEST.id.slice(1)}`, tab: 'home', event_ts: '1.000005' });
      await h.standin.waitFor((c, i) => i >= control && c.method === 'views.publish');
      expect(callsFrom(from).some((c) => c.method === 'chat.unfurl')).toBe(false);
      expectNoDealShown('', from);
    });
  }
});
