// Who is asking: the Slack user behind a request, resolved once per request (users.info,
// cached) by the access middleware and put on the listener context as `requester`. The
// access policy decides from it; the audit trail records it; writes use its credential.
//
// Domain: pure, no words a person reads.

/**
 * `member`: a full member of the installing workspace (or org). `guest`: a single- or
 * multi-channel guest (`is_restricted`, `is_ultra_restricted`). `stranger`: someone from
 * another organization (`is_stranger`, or a home team that is not the installation's).
 */
export type RequesterKind = 'member' | 'guest' | 'stranger';

export interface Requester {
  slackUserId: string;
  /** The user's own team (for a stranger, their organization's). */
  teamId: string | null;
  kind: RequesterKind;
  /** A workspace admin or owner, or listed in `DEALBOT_ADMINS`. */
  isAdmin: boolean;
  /** From the Slack profile (`users:read.email`); null when Slack does not say. */
  email: string | null;
  /** Display name for audit lines and "via Dealbot by …". */
  name: string;
  /** The CRM user this person is linked to (same email, or linked by an admin); null: unlinked. */
  crmUserId: string | null;
}

/**
 * What a request needs: to read deals, to post deal data for everyone in the channel (a
 * shared card, a digest posted now, an unfurl), change one, close one (won/lost/reopen),
 * administer Dealbot, or only to manage something of one's own that shows no deal data
 * (`self`: storing one's CRM credential, which is also how an unlinked person links).
 */
export type AccessNeed = 'none' | 'read' | 'post' | 'write' | 'close' | 'admin' | 'self';

/** What admins set for a channel (`/deal channel open|read-only|off`). */
export type ChannelRule = 'open' | 'read-only' | 'off';
