// The middleware that makes every listener act as the person asking (issue #16): after the
// access guard has resolved who they are (`context.requester`), `context.crm` and
// `context.deals` become a per-request client (`services/audited-crm.ts`) whose writes go out
// with the person's own CRM credential when they stored one (else the shared one, under their
// name) and are all recorded in the audit trail. It also puts the workspace's CRM links,
// audit trail and credential vault on the context for `/deal link`, `/deal audit` and
// `/deal connect`.
//
// Cost per request: nothing before a listener asks. The workspace's trail, vault and links are
// made once per workspace; the person's client and deal service when first used. Per write:
// one store read (the person's credential, if the vault is on) and the audit's store writes;
// reads are untouched.

import type { Middleware, AnyMiddlewareArgs } from '@slack/bolt';
import type { CrmClient } from '../crm/port.js';
import type { Logger } from '../logger.js';
import { createAuditTrail } from '../services/audit-trail.js';
import { createAuditedCrm } from '../services/audited-crm.js';
import { createCrmLinks } from '../services/crm-links.js';
import { createDealService } from '../services/deal-service.js';
import { ownClientOf, type PersonalCrms } from '../services/personal-credentials.js';
import { createCredentialVault, type VaultKey } from '../store/credential-vault.js';
import { viaDealbotNote } from '../ui/audit-view.js';
import type { Store } from '../store/store.js';
import { lazyObject, type DealbotContext } from './context.js';

export interface ActingAsDeps {
  /** Clients acting with a person's own credential; null for the embedded CRM. */
  personalCrms: PersonalCrms | null;
  /** `DEALBOT_SECRET_KEY`'s keys; null: personal credentials are off. */
  vaultKeys: readonly VaultKey[] | null;
  logger: Logger;
}

type Loose = Record<string, unknown>;
const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const obj = (value: unknown): Loose => (value && typeof value === 'object' ? (value as Loose) : {});

/** What acting-as keeps per workspace (its store) and shared CRM client. */
interface WorkspaceParts {
  shared: CrmClient;
  audit: ReturnType<typeof createAuditTrail>;
  credentials: ReturnType<typeof createCredentialVault> | null;
  crmLinks: ReturnType<typeof createCrmLinks>;
}

/** The channel a request came from: a command's, a click's, or the one a modal was opened from. */
export function channelOfRequest(body: unknown): string | null {
  const b = obj(body);
  const fromMetadata = (): string | null => {
    const metadata = str(obj(b.view).private_metadata);
    if (!metadata) return null;
    try {
      return str(obj(JSON.parse(metadata)).channelId);
    } catch {
      return null;
    }
  };
  return str(b.channel_id) ?? str(obj(b.channel).id) ?? str(obj(b.container).channel_id) ?? str(obj(b.event).channel) ?? fromMetadata();
}

export function createActingAs(deps: ActingAsDeps): Middleware<AnyMiddlewareArgs, DealbotContext> {
  /** What belongs to a workspace (its store) and its shared CRM client, made once. */
  const workspaces = new WeakMap<Store, WorkspaceParts>();
  const workspace = (store: Store, shared: CrmClient): WorkspaceParts => {
    let parts = workspaces.get(store);
    if (!parts || parts.shared !== shared) {
      parts = {
        shared,
        audit: createAuditTrail({ store, crm: shared.provider, logger: deps.logger }),
        credentials: deps.vaultKeys ? createCredentialVault({ store, keys: deps.vaultKeys, crm: shared.provider }) : null,
        crmLinks: createCrmLinks({ store, crm: shared }),
      };
      workspaces.set(store, parts);
    }
    return parts;
  };

  return async ({ context, body, next }) => {
    const ctx = context as DealbotContext;
    const shared: CrmClient = ctx.crm;
    const store = ctx.store;
    const { audit, credentials, crmLinks } = workspace(store, shared);
    // Named stores, as in app.ts: the context stays an object with fast properties.
    ctx.sharedCrm = shared;
    ctx.audit = audit;
    ctx.credentials = credentials;
    ctx.personalCrms = deps.personalCrms;
    ctx.crmLinks = crmLinks;

    const userId = context.userId ?? null;
    if (userId) {
      const { personalCrms } = deps;
      ctx.crm = lazyObject(() =>
        createAuditedCrm({
          shared,
          ownClient: credentials && personalCrms ? () => ownClientOf(credentials, personalCrms, userId) : null,
          audit,
          // Read when a write happens: for a command the access guard may settle who is asking
          // only after the ack, when this middleware has already run.
          person: {
            slackUserId: userId,
            get name() {
              return ctx.requester?.name ?? null;
            },
            get crmUserId() {
              return ctx.requester?.crmUserId ?? null;
            },
          },
          channelId: channelOfRequest(body),
          viaDealbotNote,
        }),
      );
      ctx.deals = lazyObject(() => createDealService(ctx.crm, store));
    }
    await next();
  };
}
