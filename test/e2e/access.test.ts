// Who may do what (issue #16), end to end through Bolt's HTTP receiver with the embedded CRM
// and the Slack stand-in: guests and people from other organizations are refused politely
// and see no deal; a channel an admin made read-only refuses changes; only admins set channel
// rules; requests for another app, workspace or org are dropped before anything runs; the
// check costs one users.info per person; only your own Undo; CLOSE_DEALS=owner.
// Seeded deals: 4 "Tailspin Toys webshop" is open and Ada's; 2 "Contoso annual licences" is Grace's.

import { afterEach, describe, expect, it } from 'vitest';
import type { StandinUser } from '../../src/console/slack-api-standin.js';
import { DEFAULT_ACCESS_SETTINGS } from '../../src/services/access-policy.js';
import { ActionId } from '../../src/ui/ids.js';
import { blockActionPayload, slashCommandPayload } from '../helpers/slack-payloads.js';
import { ADA, CHANNEL, blocksOf, buttonValue, shown, startHarness, type Harness } from '../listeners/http-harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const GUEST: StandinUser = { id: 'U0GUEST', name: 'gus', realName: 'Gus Guest', email: 'gus@agency.test', isRestricted: true };
const SINGLE_GUEST: StandinUser = { id: 'U0SINGLE', name: 'sia', realName: 'Sia Single', isUltraRestricted: true };
const STRANGER: StandinUser = { id: 'U0OTHER', name: 'olga', realName: 'Olga Other', email: 'olga@customer.test', teamId: 'T0OTHERORG' };
const CONNECT: StandinUser = { id: 'U0CONN', name: 'cora', realName: 'Cora Connect', isStranger: true };
const ADMIN: StandinUser = { id: 'U0ADMIN', name: 'ann', realName: 'Ann Admin', email: 'ann@example.com', isAdmin: true };
const MEMBER: StandinUser = { id: 'U0MEMBER', name: 'max', realName: 'Max Member', email: 'max@example.com' };
const GRACE: StandinUser = { id: 'U0GRACE', name: 'grace', realName: 'Grace Hopper', email: 'grace@example.com' };
const PEOPLE = [GUEST, SINGLE_GUEST, STRANGER, CONNECT, ADMIN, MEMBER, GRACE];

/** Every deal title of the seeded CRM: none may reach a refused person. */
async function dealTitles(): Promise<string[]> {
  const titles: string[] = [];
  for (let id = 1; id <= 20; id += 1) {
    const deal = await h.local.getDeal(String(id)).catch(() => null);
    if (deal) titles.push(deal.title);
  }
  expect(titles.length).toBeGreaterThan(10);
  return titles;
}

/** Runs `/deal <text>` as `user`; returns what Slack got back: the ack's body and every call after it. */
async function deal(user: StandinUser, text: string, channel = CHANNEL) {
  const from = h.standin.calls.length;
  const responseUrl = h.standin.responseUrl({ channel: channel.id });
  const res = await h.command(
    slashCommandPayload({
      command: '/deal',
      text,
      user: { id: user.id, name: user.name },
      channel,
      responseUrl,
      triggerId: h.standin.triggerId(),
    }),
  );
  expect(res.status).toBe(200);
  const ack = await res.text();
  return { ack, responseId: h.standin.responseIdOf(responseUrl), from };
}

/** The replies on a command's response_url (waits for the first). */
async function repliesTo(responseId: string | null, from: number): Promise<string> {
  await h.standin.waitFor((c, i) => i >= from && c.method === 'response_url' && c.responseId === responseId);
  return shown(
    h.standin.calls.filter((c, i) => i >= from && c.method === 'response_url' && c.responseId === responseId).map((c) => c.args),
  );
}

/** Everything Slack received from `from` on, and the ack: where a deal title must not be. */
function seenSince(from: number, ack: string): string {
  return ack + shown(h.standin.calls.slice(from).map((c) => c.args));
}

async function refusalOf(user: StandinUser, text: string, channel = CHANNEL): Promise<string> {
  const { ack, responseId, from } = await deal(user, text, channel);
  // Refused at once from memory (the ack itself), or after the look-up (on the response_url).
  return ack.includes('🔒') ? ack : `${ack}${await repliesTo(responseId, from)}`;
}

describe('guests and people from other organizations', () => {
  it("a guest's /deal find and /deal won are refused politely and show no deal; the deal stays open", async () => {
    h = await startHarness({ users: PEOPLE });
    const titles = await dealTitles();
    const from = h.standin.calls.length;
    const found = await refusalOf(GUEST, 'find tailspin');
    const won = await refusalOf(GUEST, 'won 4');
    for (const said of [found, won]) {
      expect(said).toContain('full members of this workspace only');
      expect(said).toContain('ask a workspace admin');
    }
    const seen = seenSince(from, found + won);
    for (const title of titles) expect(seen).not.toContain(title);
    expect((await h.local.getDeal('4')).status).toBe('open');
  });

  it('a single-channel guest is refused the same way', async () => {
    h = await startHarness({ users: PEOPLE });
    expect(await refusalOf(SINGLE_GUEST, 'show 4')).toContain('full members of this workspace only');
  });

  it('a person from another organization (another team, or is_stranger) is refused and sees no deal', async () => {
    h = await startHarness({ users: PEOPLE });
    const titles = await dealTitles();
    for (const person of [STRANGER, CONNECT]) {
      const from = h.standin.calls.length;
      const found = await refusalOf(person, 'find tailspin');
      const won = await refusalOf(person, 'won 4');
      for (const said of [found, won]) expect(said).toContain('only for members of the workspace that installed it');
      const seen = seenSince(from, found + won);
      for (const title of titles) expect(seen).not.toContain(title);
    }
    expect((await h.local.getDeal('4')).status).toBe('open');
  });

  it('with ALLOW_GUESTS=read a guest may read a deal but still not change it', async () => {
    h = await startHarness({ users: PEOPLE, access: { ...DEFAULT_ACCESS_SETTINGS, allowGuests: 'read' } });
    const { responseId, from } = await deal(GUEST, 'show 4');
    expect(await repliesTo(responseId, from)).toContain('Tailspin Toys webshop');
    expect(await refusalOf(GUEST, 'won 4')).toContain('full members of this workspace only');
    expect((await h.local.getDeal('4')).status).toBe('open');
  });
});

describe('channel rules', () => {
  it("after an admin's /deal channel read-only, a member's /deal won is refused and the deal stays open; reading still works", async () => {
    h = await startHarness({ users: PEOPLE });
    const set = await deal(ADMIN, 'channel read-only');
    const announced = await repliesTo(set.responseId, set.from);
    expect(announced).toContain('in_channel');
    expect(announced).toContain('read-only');

    const won = await refusalOf(MEMBER, 'won 4');
    expect(won).toContain('This channel is read-only for Dealbot');
    expect(won).not.toContain('Tailspin');
    expect((await h.local.getDeal('4')).status).toBe('open');

    const shown4 = await deal(MEMBER, 'show 4');
    const card = await repliesTo(shown4.responseId, shown4.from);
    expect(card).toContain('Tailspin Toys webshop');
    // A channel of the company only: sharing needs no confirmation.
    expect(card).toContain('Share in channel');
    expect(card).not.toContain('Share outside the company?');

    // Opened again by an admin: the member's win goes through.
    const reopened = await deal(ADMIN, 'channel open');
    await repliesTo(reopened.responseId, reopened.from);
    const again = await deal(MEMBER, 'won 4');
    await repliesTo(again.responseId, again.from);
    expect((await h.local.getDeal('4')).status).toBe('won');
  });

  it("an ordinary member's /deal channel off is refused and changes nothing", async () => {
    h = await startHarness({ users: PEOPLE });
    const refused = await refusalOf(MEMBER, 'channel off');
    expect(refused).toContain('Only a workspace admin or owner');
    const { responseId, from } = await deal(MEMBER, 'show 4');
    expect(await repliesTo(responseId, from)).toContain('Tailspin Toys webshop');
  });

  it('a channel an admin turned off answers nothing about deals, to anyone but an admin setting it back', async () => {
    h = await startHarness({ users: PEOPLE });
    const off = await deal(ADMIN, 'channel off');
    await repliesTo(off.responseId, off.from);
    expect(await refusalOf(MEMBER, 'show 4')).toContain('Dealbot is turned off in this channel');
    expect(await refusalOf(ADMIN, 'show 4')).toContain('Dealbot is turned off in this channel');
    const open = await deal(ADMIN, 'channel open');
    expect(await repliesTo(open.responseId, open.from)).toContain('open');
  });

  it('in a channel shared with another organization nothing changes and no card is posted until an admin opens it', async () => {
    const SHARED = { id: 'C0SHARED', name: 'acme-shared', isExtShared: true };
    h = await startHarness({ users: PEOPLE, channels: [SHARED] });
    const channel = { id: SHARED.id, name: SHARED.name };
    expect(await refusalOf(MEMBER, 'won 4', channel)).toContain('shared with another organization');
    expect((await h.local.getDeal('4')).status).toBe('open');

    // Sharing a card into the channel for everyone is refused too.
    const from = h.standin.calls.length;
    const responseUrl = h.standin.responseUrl({ channel: SHARED.id, ephemeral: true });
    await h.interact(
      blockActionPayload({
        action: { action_id: ActionId.cardShare, value: '4' },
        user: { id: MEMBER.id, name: MEMBER.name },
        channel,
        message: { ts: '1.000001', channel, ephemeral: true },
        responseUrl,
        triggerId: h.standin.triggerId(),
      }),
    );
    const replies = await repliesTo(h.standin.responseIdOf(responseUrl), from);
    expect(replies).toContain('shared with another organization');
    expect(replies).not.toContain('in_channel');
    expect(replies).not.toContain('Tailspin');

    const opened = await deal(ADMIN, 'channel open', channel);
    await repliesTo(opened.responseId, opened.from);
    // Opened: a card shown there can be shared, but its Share button asks first.
    const card = await deal(MEMBER, 'show 4', channel);
    const cardShown = await repliesTo(card.responseId, card.from);
    expect(cardShown).toContain('Tailspin Toys webshop');
    expect(cardShown).toContain('Share outside the company?');
    const won = await deal(MEMBER, 'won 4', channel);
    await repliesTo(won.responseId, won.from);
    expect((await h.local.getDeal('4')).status).toBe('won');
  });
});

describe('only our installation', () => {
  /** Slack calls the app made between two points (Bolt's own auth.test aside). */
  const callsBetween = (from: number, to: number) => h.standin.calls.slice(from, to).filter((c) => c.method !== 'auth.test');

  const foreign = [
    ['another workspace', { teamId: 'T0FOREIGN' }],
    ['another app', { apiAppId: 'A0SOMEONEELSE' }],
  ] as const;

  for (const [what, override] of foreign) {
    it(`drops a request naming ${what}: acknowledged, nothing answered, nothing changed`, async () => {
      h = await startHarness({ users: PEOPLE });
      const from = h.standin.calls.length;
      const responseUrl = h.standin.responseUrl({ channel: CHANNEL.id });
      const res = await h.command(
        slashCommandPayload({ command: '/deal', text: 'won 4', user: { id: ADA.id, name: ADA.name }, responseUrl, ...override }),
      );
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
      // A request that is handled asks Slack who the person is; this one asks nothing at all.
      const control = await deal(ADA, 'show 4');
      await repliesTo(control.responseId, control.from);
      expect(callsBetween(from, control.from)).toEqual([]);
      expect((await h.local.getDeal('4')).status).toBe('open');
    });
  }

  it('drops a request naming another organization (enterprise id)', async () => {
    h = await startHarness({ users: PEOPLE });
    const from = h.standin.calls.length;
    const payload = {
      ...slashCommandPayload({ command: '/deal', text: 'won 4', responseUrl: h.standin.responseUrl({ channel: CHANNEL.id }) }),
      enterprise_id: 'E0FOREIGN',
    };
    const res = await h.command(payload);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    const control = await deal(ADA, 'show 4');
    await repliesTo(control.responseId, control.from);
    expect(callsBetween(from, control.from)).toEqual([]);
    expect((await h.local.getDeal('4')).status).toBe('open');
  });
});

describe('the cost of the check', () => {
  it('asks users.info once per person: a second command on a warm cache asks Slack nothing more', async () => {
    h = await startHarness({ users: PEOPLE });
    const first = await deal(MEMBER, 'show 4');
    await repliesTo(first.responseId, first.from);
    const second = await deal(MEMBER, 'find tailspin');
    await repliesTo(second.responseId, second.from);
    const third = await deal(MEMBER, 'won 4');
    await repliesTo(third.responseId, third.from);
    const infos = h.standin.calls.filter((c) => c.method === 'users.info' && c.args.user === MEMBER.id);
    expect(infos).toHaveLength(1);
  });
});

describe('only your own Undo', () => {
  it('an Undo pressed by someone else is refused and the change stands; its author may still undo it', async () => {
    h = await startHarness({ users: PEOPLE });
    const won = await deal(ADA, 'won 4');
    await h.standin.waitFor(
      (c, i) => i >= won.from && c.method === 'response_url' && buttonValue(blocksOf(c.args), ActionId.undoChange) !== undefined,
    );
    const confirmation = h.standin.calls.find(
      (c, i) => i >= won.from && c.method === 'response_url' && buttonValue(blocksOf(c.args), ActionId.undoChange) !== undefined,
    );
    const undoId = buttonValue(blocksOf(confirmation!.args), ActionId.undoChange)!;
    expect((await h.local.getDeal('4')).status).toBe('won');

    const press = async (user: StandinUser) => {
      const from = h.standin.calls.length;
      const responseUrl = h.standin.responseUrl({ channel: CHANNEL.id, ephemeral: true });
      await h.interact(
        blockActionPayload({
          action: { action_id: ActionId.undoChange, value: undoId },
          user: { id: user.id, name: user.name },
          message: { ts: '1.000002', channel: CHANNEL, ephemeral: true },
          responseUrl,
          triggerId: h.standin.triggerId(),
        }),
      );
      return repliesTo(h.standin.responseIdOf(responseUrl), from);
    };

    expect(await press(MEMBER)).toContain('Only the person who made that change can undo it');
    expect((await h.local.getDeal('4')).status).toBe('won');
    await press(ADA);
    await expect.poll(async () => (await h.local.getDeal('4')).status).toBe('open');
  });
});

describe('CLOSE_DEALS=owner', () => {
  it("only the deal's owner (or an admin) may mark it won", async () => {
    h = await startHarness({ users: PEOPLE, access: { ...DEFAULT_ACCESS_SETTINGS, closeDeals: 'owner' } });
    // Deal 2 is Grace's: Max may not win it, Grace may.
    const refused = await deal(MEMBER, 'won 2');
    expect(await repliesTo(refused.responseId, refused.from)).toContain("Only the deal's owner or a workspace admin");
    expect((await h.local.getDeal('2')).status).toBe('open');
    const owner = await deal(GRACE, 'won 2');
    await repliesTo(owner.responseId, owner.from);
    await expect.poll(async () => (await h.local.getDeal('2')).status).toBe('won');
  });
});
