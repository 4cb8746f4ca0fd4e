// Who is asking (issue #16): kinds from Slack's profile and the installation, admins from
// Slack or DEALBOT_ADMINS, one users.info per person (memory, then the store shared by
// replicas), the CRM link looked up only when asked for, `user_change` taking effect at once.

import { describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/create-store.js';
import {
  createRequesterDirectory,
  requesterKind,
  type FetchSlackUser,
  type SlackUserProfile,
} from '../../src/services/requester-directory.js';

const INSTALL = { teamId: 'T1', enterpriseId: null };

function profile(overrides: Partial<SlackUserProfile> = {}): SlackUserProfile {
  return {
    id: 'U1',
    teamId: 'T1',
    enterpriseId: null,
    isRestricted: false,
    isUltraRestricted: false,
    isStranger: false,
    isWorkspaceAdmin: false,
    email: 'max@example.com',
    name: 'Max',
    tz: 'Europe/Berlin',
    ...overrides,
  };
}

describe('requesterKind', () => {
  it('tells members, guests and strangers apart', () => {
    expect(requesterKind(profile(), INSTALL)).toBe('member');
    expect(requesterKind(profile({ isRestricted: true }), INSTALL)).toBe('guest');
    expect(requesterKind(profile({ isUltraRestricted: true }), INSTALL)).toBe('guest');
    expect(requesterKind(profile({ isStranger: true }), INSTALL)).toBe('stranger');
    expect(requesterKind(profile({ teamId: 'T9' }), INSTALL)).toBe('stranger');
  });

  it('counts every workspace of the org as members for an org-wide install', () => {
    const org = { teamId: null, enterpriseId: 'E1' };
    expect(requesterKind(profile({ teamId: 'T7', enterpriseId: 'E1' }), org)).toBe('member');
    expect(requesterKind(profile({ teamId: 'T7', enterpriseId: 'E2' }), org)).toBe('stranger');
  });
});

describe('createRequesterDirectory', () => {
  async function setup(options: { linked?: (p: SlackUserProfile) => Promise<string | null>; admins?: string[] } = {}) {
    const store = await createStore('memory://');
    let now = 1_000_000;
    const asked: string[] = [];
    const linkedFor: string[] = [];
    const profiles = new Map<string, SlackUserProfile>([
      ['U1', profile()],
      ['U2', profile({ id: 'U2', isRestricted: true })],
      ['U3', profile({ id: 'U3', isWorkspaceAdmin: true })],
      ['U4', profile({ id: 'U4' })],
    ]);
    const fetch: FetchSlackUser = async (id) => {
      asked.push(id);
      return profiles.get(id) ?? null;
    };
    const make = () =>
      createRequesterDirectory({
        store,
        installation: INSTALL,
        settings: { admins: options.admins ?? [] },
        linkedCrmUserId: async (p) => {
          linkedFor.push(p.id);
          return options.linked ? options.linked(p) : '7';
        },
        clock: () => now,
      });
    return { store, make, fetch, asked, linkedFor, advance: (ms: number) => (now += ms), profiles };
  }

  it('asks Slack once per person; a second replica finds them in the store', async () => {
    const t = await setup();
    const one = t.make();
    expect(await one.resolve('U1', t.fetch)).toMatchObject({ kind: 'member', isAdmin: false, email: 'max@example.com' });
    expect(await one.resolve('U1', t.fetch)).toMatchObject({ kind: 'member' });
    expect(one.known('U1')).toMatchObject({ slackUserId: 'U1' });
    const other = t.make();
    expect(other.known('U1')).toBeNull();
    expect(await other.resolve('U1', t.fetch)).toMatchObject({ kind: 'member' });
    expect(t.asked).toEqual(['U1']);
    await t.store.close();
  });

  it('asks a burst of requests from one person once', async () => {
    const t = await setup();
    const directory = t.make();
    await Promise.all([directory.resolve('U1', t.fetch), directory.resolve('U1', t.fetch), directory.resolve('U1', t.fetch)]);
    expect(t.asked).toEqual(['U1']);
    await t.store.close();
  });

  it('looks the CRM user up only when asked for, once, and never for a guest', async () => {
    const t = await setup();
    const directory = t.make();
    expect((await directory.resolve('U1', t.fetch)).crmUserId).toBeNull();
    expect(directory.known('U1', { linked: true })).toBeNull();
    expect((await directory.resolve('U1', t.fetch, { linked: true })).crmUserId).toBe('7');
    expect((await directory.resolve('U1', t.fetch, { linked: true })).crmUserId).toBe('7');
    expect((await directory.resolve('U2', t.fetch, { linked: true })).crmUserId).toBeNull();
    expect(t.linkedFor).toEqual(['U1']);
    await t.store.close();
  });

  it('fails the request when the CRM cannot tell who the person is (never "not linked"), keeps nothing, and asks again next time', async () => {
    let fail = true;
    const t = await setup({
      linked: async () => {
        if (fail) throw new Error('CRM down');
        return '7';
      },
    });
    const directory = t.make();
    await expect(directory.resolve('U1', t.fetch, { linked: true })).rejects.toThrow('CRM down');
    fail = false;
    expect((await directory.resolve('U1', t.fetch, { linked: true })).crmUserId).toBe('7');
    await t.store.close();
  });

  it('looks a person up afresh once their link changed (forget), in this process and the store', async () => {
    let crmUser = '7';
    const t = await setup({ linked: async () => crmUser });
    const directory = t.make();
    expect((await directory.resolve('U1', t.fetch, { linked: true })).crmUserId).toBe('7');
    crmUser = '9';
    expect((await directory.resolve('U1', t.fetch, { linked: true })).crmUserId).toBe('7');
    await directory.forget('U1');
    expect((await directory.resolve('U1', t.fetch, { linked: true })).crmUserId).toBe('9');
    // Another replica (a second directory on the same store) reads the new answer too.
    expect((await t.make().resolve('U1', t.fetch, { linked: true })).crmUserId).toBe('9');
    await t.store.close();
  });

  it('makes workspace admins and DEALBOT_ADMINS admins; a stranger never', async () => {
    const t = await setup({ admins: ['U4'] });
    const directory = t.make();
    expect((await directory.resolve('U3', t.fetch)).isAdmin).toBe(true);
    expect((await directory.resolve('U4', t.fetch)).isAdmin).toBe(true);
    expect((await directory.resolve('U1', t.fetch)).isAdmin).toBe(false);
    expect(await directory.resolve('U0NOBODY', t.fetch)).toMatchObject({ kind: 'stranger', isAdmin: false });
    await t.store.close();
  });

  it('forgets its memory after a minute; the store still answers, so Slack is not asked again', async () => {
    const t = await setup();
    const directory = t.make();
    await directory.resolve('U1', t.fetch);
    t.advance(61_000);
    expect(directory.known('U1')).toBeNull();
    await directory.resolve('U1', t.fetch);
    expect(t.asked).toEqual(['U1']);
    await t.store.close();
  });

  it('takes a user_change into account at once: a member who became a guest is a guest', async () => {
    const t = await setup();
    const directory = t.make();
    expect((await directory.resolve('U1', t.fetch, { linked: true })).kind).toBe('member');
    await directory.refresh(profile({ isRestricted: true }));
    expect(directory.known('U1')).toMatchObject({ kind: 'guest', crmUserId: null });
    expect((await t.make().resolve('U1', t.fetch)).kind).toBe('guest');
    expect(t.asked).toEqual(['U1']);
    await t.store.close();
  });
});
