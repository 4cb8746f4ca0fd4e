// Who may do what (issue #16): one pure decision every surface goes through. The access
// guard (`listeners/access-guard.ts`) classifies a request into an `AccessNeed`
// (`listeners/surface-access.ts`), resolves who is asking (`requester-directory.ts`) and the
// channel's rule, and asks `decideAccess`; use cases that know the deal or the record ask the
// narrower rules below (closing a deal, undoing a change, changing a subscription).
//
// The order of the rules is the policy:
//   1. nothing needed (help, an "Open in CRM" link): allowed;
//   2. someone from another organization: refused, always;
//   3. a guest: refused, unless ALLOW_GUESTS=read and the request only reads;
//   4. administering Dealbot: admins only (and admins may, whatever the channel's rule);
//   5. the channel: `off` refuses everything, `read-only` refuses changes; a channel shared
//      with another organization that no admin opened is read-only and gets no posts;
//   6. an unlinked person: UNLINKED_USERS=read (default) refuses changes, `none` refuses
//      reads too, `write` allows. What is one's own (`self`: storing one's CRM credential,
//      which links them) is never refused for want of a link.

import type { AccessNeed, ChannelRule, Requester } from '../domain/requester.js';
import type { AccessRefusal } from '../errors.js';

export interface AccessSettings {
  /** `ALLOW_GUESTS`: `none` (default) or `read`. */
  allowGuests: 'none' | 'read';
  /** `UNLINKED_USERS`: `read` (default), `write` or `none`. */
  unlinkedUsers: 'none' | 'read' | 'write';
  /** `CLOSE_DEALS`: `anyone` (default) or `owner`. */
  closeDeals: 'anyone' | 'owner';
  /** `DEALBOT_ADMINS`: Slack user ids with admin rights besides workspace admins and owners. */
  admins: readonly string[];
}

export const DEFAULT_ACCESS_SETTINGS: AccessSettings = {
  allowGuests: 'none',
  unlinkedUsers: 'read',
  closeDeals: 'anyone',
  admins: [],
};

/** What is known of the channel a request comes from; null for a DM or no channel. */
export interface ChannelAccess {
  /** The rule an admin set; null when none was. */
  rule: ChannelRule | null;
  /** Shared with another organization (Slack Connect). */
  externallyShared: boolean;
}

export type AccessDecision = { allowed: true } | { allowed: false; refusal: AccessRefusal };

const ALLOW: AccessDecision = { allowed: true };
const refuse = (refusal: AccessRefusal): AccessDecision => ({ allowed: false, refusal });

const CHANGES: ReadonlySet<AccessNeed> = new Set(['write', 'close']);

/**
 * The rule in force in a channel: an admin's rule; else, in a channel shared with another
 * organization, read-only with nothing posted; else open.
 */
export function channelRuleInForce(channel: ChannelAccess | null): { rule: ChannelRule; mayPost: boolean; external: boolean } {
  if (!channel) return { rule: 'open', mayPost: true, external: false };
  if (channel.rule) return { rule: channel.rule, mayPost: channel.rule !== 'off', external: false };
  if (channel.externallyShared) return { rule: 'read-only', mayPost: false, external: true };
  return { rule: 'open', mayPost: true, external: false };
}

export function decideAccess(input: {
  requester: Requester;
  need: AccessNeed;
  channel: ChannelAccess | null;
  settings: AccessSettings;
  /**
   * The request only opens a form (a shortcut): the link rule waits for its submission, which
   * is checked again, so the form never waits on the CRM to open.
   */
  opensForm?: boolean;
}): AccessDecision {
  const { requester, need, channel, settings } = input;
  if (need === 'none') return ALLOW;
  if (requester.kind === 'stranger') return refuse('stranger');
  if (requester.kind === 'guest' && !(settings.allowGuests === 'read' && need === 'read')) return refuse('guest');
  if (need === 'admin') return requester.isAdmin ? ALLOW : refuse('not-admin');

  const inForce = channelRuleInForce(channel);
  if (inForce.rule === 'off') return refuse('channel-off');
  if (CHANGES.has(need) && inForce.rule === 'read-only') return refuse(inForce.external ? 'external-channel' : 'channel-read-only');
  if (need === 'post' && !inForce.mayPost) return refuse('external-channel');

  if (requester.crmUserId === null && !input.opensForm && need !== 'self') {
    if (settings.unlinkedUsers === 'none') return refuse('unlinked');
    if (settings.unlinkedUsers === 'read' && CHANGES.has(need)) return refuse('unlinked');
  }
  return ALLOW;
}

/** `CLOSE_DEALS=owner`: only the deal's owner (their linked CRM user) and admins may win, lose or reopen it. */
export function mayCloseDeal(
  requester: Pick<Requester, 'isAdmin' | 'crmUserId'>,
  deal: { ownerId: string | null },
  settings: Pick<AccessSettings, 'closeDeals'>,
): boolean {
  if (settings.closeDeals === 'anyone' || requester.isAdmin) return true;
  return requester.crmUserId !== null && deal.ownerId !== null && requester.crmUserId === deal.ownerId;
}

/** Something a person set (a digest or alert subscription) is changed only by them or an admin. */
export function mayChangeWhatWasSetBy(requester: Pick<Requester, 'slackUserId' | 'isAdmin'>, setBy: string | null | undefined): boolean {
  return requester.isAdmin || !setBy || setBy === requester.slackUserId;
}
