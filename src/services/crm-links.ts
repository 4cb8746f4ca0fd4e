// Which CRM user a Slack person is (issue #16 "Linked CRM users"). Decided in this order:
// 1. a link a workspace admin set by hand (`/deal link @person <crm email>`), while that CRM
//    user is still active;
// 2. the CRM user whose own credential the person stored (`/deal connect`): the CRM confirmed
//    whose it was before it was kept, so a person Slack's email cannot link links themselves;
// 3. the active CRM user with the person's Slack email (case and spacing aside);
// 4. in the embedded CRM (`local`), whose users are the workspace's members, everyone is
//    linked: a member with no CRM user of their email gets one, named as in Slack, the first
//    time they are looked up, and keeps it (an `embedded` link). Mapping them to some other
//    user (the first one) would make their quick-created deals that user's and put that
//    user's name on their changes; a user of their own keeps the CRM's history true.
// Anyone else is unlinked (null): the access policy decides what they may do.
//
// Cost per look-up: one store round trip (the person's link and credential record) and
// `listUsers`, which the CRM cache layer serves from the store (one CRM request per TTL); the
// embedded CRM reads its catalog key. Creating an embedded user happens once per person, under a store lock so two
// replicas answering the same person at once create one user, not two.
//
// Links belong to a Slack workspace (the store given is workspace-scoped) and to one CRM
// account kind: the keys carry the provider, so switching CRM does not reuse ids that mean
// nothing there.

import { z } from 'zod';
import type { CrmClient, User } from '../crm/port.js';
import { credentialKey, credentialOwnerIn } from '../store/credential-vault.js';
import type { Store } from '../store/store.js';

export type CrmLinkSource = 'admin' | 'embedded';

export interface CrmLink {
  slackUserId: string;
  crmUserId: string;
  /** The CRM user's email when the link was made (shown in `/deal link list`). */
  crmEmail: string | null;
  source: CrmLinkSource;
  /** The admin who linked by hand; null for an embedded link. */
  linkedBy: string | null;
  /** ISO instant. */
  at: string;
}

/** A link as `/deal link list` shows it: with the CRM user as the CRM names them today. */
export interface CrmLinkView extends CrmLink {
  /** Null when the CRM no longer has that user (the link then no longer applies). */
  user: User | null;
}

export type LinkOutcome =
  | { kind: 'linked'; link: CrmLink; user: User; replaced: CrmLink | null }
  /** No CRM user has that email. `known` lists a few active users' emails to pick from. */
  | { kind: 'no-such-user'; email: string; known: User[] }
  | { kind: 'inactive'; user: User };

export interface CrmLinks {
  /**
   * The CRM user id of the Slack person, or null when unlinked. `name` names the user the
   * embedded CRM creates for a member it has no user for (their Slack name).
   */
  linkedCrmUserId(slackUserId: string, email: string | null, name?: string | null): Promise<string | null>;
  /** An admin links the person to the CRM user with `crmEmail` (replacing any link they had). */
  link(slackUserId: string, crmEmail: string, byAdmin: string): Promise<LinkOutcome>;
  /** Removes the link the person had (null when none). Their email may still link them. */
  unlink(slackUserId: string): Promise<CrmLink | null>;
  /** The links admins made, newest first. */
  list(): Promise<CrmLinkView[]>;
}

/** What the embedded CRM can do beyond the port: create a user for a member. */
interface UserFactory {
  createUser(input: { name: string; email?: string | null }): Promise<User>;
}

function canCreateUsers(crm: CrmClient): crm is CrmClient & UserFactory {
  return crm.provider === 'local' && typeof (crm as Partial<UserFactory>).createUser === 'function';
}

const linkSchema = z.object({
  slackUserId: z.string(),
  crmUserId: z.string(),
  crmEmail: z.string().nullable(),
  source: z.enum(['admin', 'embedded']),
  linkedBy: z.string().nullable(),
  at: z.string(),
});
const indexSchema = z.array(z.string());

/** Admin links kept at most; a workspace's hand-made links are a handful, this only bounds a runaway. */
const MAX_ADMIN_LINKS = 5_000;
const KNOWN_USERS_SHOWN = 5;

export const normalizeEmail = (email: string | null | undefined): string | null => {
  const clean = email?.trim().toLowerCase();
  return clean ? clean : null;
};

export interface CrmLinksDeps {
  /** The workspace's store (`scopeStore`). */
  store: Store;
  crm: CrmClient;
  now?: () => Date;
}

export function createCrmLinks({ store, crm, now = () => new Date() }: CrmLinksDeps): CrmLinks {
  const prefix = `crm-link:${crm.provider}`;
  const linkKey = (slackUserId: string) => `${prefix}:user:${slackUserId}`;
  const indexKey = `${prefix}:index`;

  const parseLink = (value: unknown): CrmLink | null => {
    const parsed = linkSchema.safeParse(value);
    return parsed.success ? parsed.data : null;
  };
  const readIndex = async (): Promise<string[]> => {
    const parsed = indexSchema.safeParse(await store.get(indexKey));
    return parsed.success ? parsed.data : [];
  };

  const byEmail = (users: readonly User[], email: string | null): User | null => {
    const wanted = normalizeEmail(email);
    if (!wanted) return null;
    return users.find((u) => u.active && normalizeEmail(u.email) === wanted) ?? null;
  };

  /** The embedded CRM's user for a member it has none for; made once, under a lock. */
  async function embeddedUser(crmWithUsers: CrmClient & UserFactory, slackUserId: string, email: string | null, name: string) {
    return store.withLock(`${prefix}:create:${slackUserId}`, async () => {
      // Another replica may have made it while this one waited for the lock.
      const existing = parseLink(await store.get(linkKey(slackUserId)));
      if (existing) return existing.crmUserId;
      const sameEmail = byEmail(await crmWithUsers.listUsers(), email);
      const user = sameEmail ?? (await crmWithUsers.createUser({ name, email: normalizeEmail(email) }));
      const link: CrmLink = {
        slackUserId,
        crmUserId: user.id,
        crmEmail: user.email,
        source: 'embedded',
        linkedBy: null,
        at: now().toISOString(),
      };
      await store.set(linkKey(slackUserId), link);
      return user.id;
    });
  }

  async function updateIndex(change: (ids: string[]) => string[]): Promise<void> {
    await store.withLock(`${prefix}:index-lock`, async () => {
      const next = change(await readIndex()).slice(0, MAX_ADMIN_LINKS);
      await store.set(indexKey, next);
    });
  }

  return {
    async linkedCrmUserId(slackUserId, email, name) {
      const [[stored, credential], users] = await Promise.all([
        store.getMany([linkKey(slackUserId), credentialKey(crm.provider, slackUserId)]),
        crm.listUsers(),
      ]);
      const link = parseLink(stored);
      const active = (id: string | null | undefined) => (id ? (users.find((u) => u.id === id && u.active) ?? null) : null);
      // A link to a user the CRM deactivated or deleted no longer applies; the next rule may.
      const linked = active(link?.crmUserId) ?? active(credentialOwnerIn(credential));
      if (linked) return linked.id;
      const sameEmail = byEmail(users, email);
      if (sameEmail) return sameEmail.id;
      if (canCreateUsers(crm)) {
        const shown = name?.trim() || normalizeEmail(email) || slackUserId;
        return embeddedUser(crm, slackUserId, email, shown);
      }
      return null;
    },

    async link(slackUserId, crmEmail, byAdmin) {
      const email = normalizeEmail(crmEmail) ?? '';
      const users = await crm.listUsers();
      const user = users.find((u) => normalizeEmail(u.email) === email && u.active) ?? users.find((u) => normalizeEmail(u.email) === email);
      if (!user) {
        return { kind: 'no-such-user', email, known: users.filter((u) => u.active && u.email).slice(0, KNOWN_USERS_SHOWN) };
      }
      if (!user.active) return { kind: 'inactive', user };
      const replaced = parseLink(await store.get(linkKey(slackUserId)));
      const link: CrmLink = {
        slackUserId,
        crmUserId: user.id,
        crmEmail: user.email,
        source: 'admin',
        linkedBy: byAdmin,
        at: now().toISOString(),
      };
      await store.set(linkKey(slackUserId), link);
      await updateIndex((ids) => [slackUserId, ...ids.filter((id) => id !== slackUserId)]);
      return { kind: 'linked', link, user, replaced };
    },

    async unlink(slackUserId) {
      const existing = parseLink(await store.get(linkKey(slackUserId)));
      if (!existing) return null;
      await store.delete(linkKey(slackUserId));
      await updateIndex((ids) => ids.filter((id) => id !== slackUserId));
      return existing;
    },

    async list() {
      const ids = await readIndex();
      if (ids.length === 0) return [];
      const [values, users] = await Promise.all([store.getMany(ids.map(linkKey)), crm.listUsers()]);
      const byId = new Map(users.map((u) => [u.id, u]));
      return values
        .map(parseLink)
        .filter((link): link is CrmLink => link !== null && link.source === 'admin')
        .map((link) => ({ ...link, user: byId.get(link.crmUserId) ?? null }));
    },
  };
}
