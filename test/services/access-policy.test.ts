// The access policy (issue #16), one rule at a time: strangers never, guests only to read and
// only with ALLOW_GUESTS=read, admins administer, channel rules (off, read-only, and a channel
// shared with another organization that no admin opened), unlinked people per UNLINKED_USERS,
// CLOSE_DEALS=owner, and what a person set is changed only by them or an admin.

import { describe, expect, it } from 'vitest';
import type { AccessNeed, Requester } from '../../src/domain/requester.js';
import {
  channelRuleInForce,
  decideAccess,
  DEFAULT_ACCESS_SETTINGS,
  mayChangeWhatWasSetBy,
  mayCloseDeal,
  type AccessSettings,
  type ChannelAccess,
} from '../../src/services/access-policy.js';

const member: Requester = {
  slackUserId: 'U1',
  teamId: 'T1',
  kind: 'member',
  isAdmin: false,
  email: 'max@example.com',
  name: 'Max',
  crmUserId: '7',
};
const admin: Requester = { ...member, slackUserId: 'U2', isAdmin: true };
const guest: Requester = { ...member, slackUserId: 'U3', kind: 'guest', crmUserId: null };
const stranger: Requester = { ...member, slackUserId: 'U4', kind: 'stranger', isAdmin: true };
const unlinked: Requester = { ...member, slackUserId: 'U5', crmUserId: null };

const NEEDS: AccessNeed[] = ['read', 'post', 'write', 'close', 'admin', 'self'];

function decide(requester: Requester, need: AccessNeed, channel: ChannelAccess | null = null, settings: Partial<AccessSettings> = {}) {
  const decision = decideAccess({ requester, need, channel, settings: { ...DEFAULT_ACCESS_SETTINGS, ...settings } });
  return decision.allowed ? 'allowed' : decision.refusal;
}

describe('decideAccess', () => {
  it('lets anyone through where nothing is needed', () => {
    for (const who of [member, guest, stranger]) expect(decide(who, 'none')).toBe('allowed');
  });

  it('refuses people from other organizations everything, admins of theirs and ALLOW_GUESTS=read included', () => {
    for (const need of NEEDS) expect(decide(stranger, need, null, { allowGuests: 'read' })).toBe('stranger');
  });

  it('refuses guests everything by default; with ALLOW_GUESTS=read, reading only', () => {
    for (const need of NEEDS) expect(decide(guest, need)).toBe('guest');
    expect(decide(guest, 'read', null, { allowGuests: 'read' })).toBe('allowed');
    for (const need of ['post', 'write', 'close', 'admin'] as const)
      expect(decide(guest, need, null, { allowGuests: 'read' })).toBe('guest');
  });

  it('lets members read, post, write and close, and only admins administer', () => {
    for (const need of ['read', 'post', 'write', 'close'] as const) expect(decide(member, need)).toBe('allowed');
    expect(decide(member, 'admin')).toBe('not-admin');
    expect(decide(admin, 'admin')).toBe('allowed');
  });

  it('applies channel rules: off refuses all but administering, read-only refuses changes', () => {
    const off: ChannelAccess = { rule: 'off', externallyShared: false };
    const readOnly: ChannelAccess = { rule: 'read-only', externallyShared: false };
    expect(decide(member, 'read', off)).toBe('channel-off');
    expect(decide(admin, 'read', off)).toBe('channel-off');
    expect(decide(admin, 'admin', off)).toBe('allowed');
    expect(decide(member, 'read', readOnly)).toBe('allowed');
    expect(decide(member, 'post', readOnly)).toBe('allowed');
    expect(decide(member, 'write', readOnly)).toBe('channel-read-only');
    expect(decide(admin, 'close', readOnly)).toBe('channel-read-only');
  });

  it('treats a channel shared with another organization as read-only with nothing posted, until an admin opens it', () => {
    const shared: ChannelAccess = { rule: null, externallyShared: true };
    expect(decide(member, 'read', shared)).toBe('allowed');
    expect(decide(member, 'post', shared)).toBe('external-channel');
    expect(decide(member, 'close', shared)).toBe('external-channel');
    const opened: ChannelAccess = { rule: 'open', externallyShared: true };
    expect(decide(member, 'post', opened)).toBe('allowed');
    expect(decide(member, 'close', opened)).toBe('allowed');
    expect(channelRuleInForce(shared)).toEqual({ rule: 'read-only', mayPost: false, external: true });
    expect(channelRuleInForce(null)).toEqual({ rule: 'open', mayPost: true, external: false });
  });

  it('applies UNLINKED_USERS: read (default) refuses changes, none refuses reads too, write allows', () => {
    expect(decide(unlinked, 'read')).toBe('allowed');
    expect(decide(unlinked, 'write')).toBe('unlinked');
    expect(decide(unlinked, 'close')).toBe('unlinked');
    expect(decide(unlinked, 'read', null, { unlinkedUsers: 'none' })).toBe('unlinked');
    expect(decide(unlinked, 'close', null, { unlinkedUsers: 'write' })).toBe('allowed');
  });

  it('lets a member manage what is their own (connecting a CRM credential) linked or not, under any UNLINKED_USERS; guests and strangers never', () => {
    for (const unlinkedUsers of ['none', 'read', 'write'] as const) {
      expect(decide(unlinked, 'self', null, { unlinkedUsers })).toBe('allowed');
      expect(decide(member, 'self', null, { unlinkedUsers })).toBe('allowed');
    }
    expect(decide(guest, 'self', null, { allowGuests: 'read' })).toBe('guest');
    expect(decide(stranger, 'self')).toBe('stranger');
    // Not a change to the pipeline: a read-only channel allows it; a channel Dealbot is off in does not.
    expect(decide(unlinked, 'self', { rule: 'read-only', externallyShared: false })).toBe('allowed');
    expect(decide(unlinked, 'self', { rule: 'off', externallyShared: false })).toBe('channel-off');
  });

  it('leaves the link rule to the submission when a request only opens a form', () => {
    const decision = decideAccess({
      requester: unlinked,
      need: 'write',
      channel: null,
      settings: DEFAULT_ACCESS_SETTINGS,
      opensForm: true,
    });
    expect(decision).toEqual({ allowed: true });
  });
});

describe('mayCloseDeal', () => {
  it('lets anyone close with CLOSE_DEALS=anyone; with owner, the owner and admins only', () => {
    const deal = { ownerId: '7' };
    expect(mayCloseDeal({ isAdmin: false, crmUserId: '9' }, deal, { closeDeals: 'anyone' })).toBe(true);
    expect(mayCloseDeal({ isAdmin: false, crmUserId: '7' }, deal, { closeDeals: 'owner' })).toBe(true);
    expect(mayCloseDeal({ isAdmin: false, crmUserId: '9' }, deal, { closeDeals: 'owner' })).toBe(false);
    expect(mayCloseDeal({ isAdmin: false, crmUserId: null }, { ownerId: null }, { closeDeals: 'owner' })).toBe(false);
    expect(mayCloseDeal({ isAdmin: true, crmUserId: null }, deal, { closeDeals: 'owner' })).toBe(true);
  });
});

describe('mayChangeWhatWasSetBy', () => {
  it('lets whoever set it, or an admin, change it', () => {
    expect(mayChangeWhatWasSetBy({ slackUserId: 'U1', isAdmin: false }, 'U1')).toBe(true);
    expect(mayChangeWhatWasSetBy({ slackUserId: 'U1', isAdmin: false }, 'U9')).toBe(false);
    expect(mayChangeWhatWasSetBy({ slackUserId: 'U1', isAdmin: true }, 'U9')).toBe(true);
  });
});
