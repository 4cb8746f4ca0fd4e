// `/deal connect` and `/deal disconnect` (issue #16 "Acting as the person"): a person's own
// CRM credential is checked with the CRM (who it belongs to) before it is kept, encrypted, in
// the vault; their writes then go out with it (`audited-crm.ts`).
//
// Whose credential it may be: a person linked to a CRM user (an admin's link, or the same
// email) may only store that user's credential — another's is refused, as a mix-up or worse.
// A person Dealbot cannot link may store the credential of the CRM user they are: holding a
// CRM user's token already lets one act as that user in the CRM itself, so keeping it here
// grants nothing new, and the audit trail records both the Slack person and the CRM user.

import type { CrmClient, User } from '../crm/port.js';
import { CrmForbiddenError, CrmUnauthorizedError } from '../errors.js';
import type { CredentialVault } from '../store/credential-vault.js';

/** Clients acting with one person's credential (`crm/create-crm.ts` builds them). */
export interface PersonalCrms {
  /** The CRM client acting with `secret`; the same object for the same secret while it is kept. */
  withCredential(secret: string): CrmClient;
  /** Who `secret` belongs to, asked of the CRM now: `CrmUnauthorizedError` when it refuses it. */
  whoAmI(secret: string): Promise<User>;
}

export type ConnectOutcome =
  | { kind: 'connected'; user: User }
  /** The CRM did not accept the credential: nothing was kept. */
  | { kind: 'refused' }
  /** The credential is another CRM user's than the one the person is linked to: nothing was kept. */
  | { kind: 'not-yours'; user: User };

export interface ConnectDeps {
  vault: CredentialVault;
  personal: PersonalCrms;
  /** The CRM user the person is linked to; null when unlinked. */
  linkedCrmUserId: string | null;
}

export async function connectCredential(deps: ConnectDeps, slackUserId: string, token: string): Promise<ConnectOutcome> {
  const secret = token.trim();
  let user: User;
  try {
    user = await deps.personal.whoAmI(secret);
  } catch (error) {
    if (error instanceof CrmUnauthorizedError || error instanceof CrmForbiddenError) return { kind: 'refused' };
    throw error;
  }
  if (deps.linkedCrmUserId !== null && user.id !== deps.linkedCrmUserId) return { kind: 'not-yours', user };
  await deps.vault.save(slackUserId, secret, { crmUserId: user.id, crmUserName: user.name, crmUserEmail: user.email });
  return { kind: 'connected', user };
}

/** The client a person's writes go out with, and the CRM user it is; null without a credential. */
export async function ownClientOf(
  vault: CredentialVault,
  personal: PersonalCrms,
  slackUserId: string,
): Promise<{ client: CrmClient; crmUserId: string } | null> {
  const kept = await vault.reveal(slackUserId);
  return kept ? { client: personal.withCredential(kept.secret), crmUserId: kept.info.crmUserId } : null;
}
