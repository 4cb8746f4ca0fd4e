// Who is asking (issue #16): a Slack user resolved once into a `Requester` — member, guest or
// stranger, admin or not, their email, name and linked CRM user — and kept, so the access
// check costs no Slack call on a warm cache:
//   - in this process's memory for a minute (a decision with nothing to wait for: the ack
//     is not held up at all);
//   - in the workspace's store for five minutes (every replica shares one `users.info`);
//   - refreshed at once when Slack says the user changed (`user_change`).
// Slack is reached through a port (`FetchSlackUser`); the listener side reads `users.info`.
//
// A member is someone of the installing workspace or, for an org-wide install, of its
// organization; a guest is a single- or multi-channel guest; anyone Slack calls a stranger,
// or whose home team is another, is a stranger. Guests and strangers are never linked to a
// CRM user (they cannot change deals, so nothing is looked up for them).

import type { Requester, RequesterKind } from '../domain/requester.js';
import type { Store } from '../store/store.js';
import type { AccessSettings } from './access-policy.js';

/** What the directory needs of Slack's `users.info` answer. */
export interface SlackUserProfile {
  id: string;
  /** The user's home team. */
  teamId: string | null;
  /** The user's organization (Enterprise Grid), when Slack says. */
  enterpriseId: string | null;
  isRestricted: boolean;
  isUltraRestricted: boolean;
  isStranger: boolean;
  /** `is_admin`, `is_owner` or `is_primary_owner`. */
  isWorkspaceAdmin: boolean;
  email: string | null;
  name: string;
  /** IANA zone. */
  tz: string | null;
}

/** Asks Slack for a user; null when Slack knows no such user. */
export type FetchSlackUser = (userId: string) => Promise<SlackUserProfile | null>;

/** Whose installation this is: members are of this team, or of this organization for an org install. */
export interface InstallationIds {
  teamId: string | null;
  enterpriseId: string | null;
}

export interface RequesterDirectoryDeps {
  /** The workspace's store. */
  store: Store;
  installation: InstallationIds | null;
  settings: Pick<AccessSettings, 'admins'>;
  /** The CRM user a member is linked to (`crm-links.ts`); null: unlinked. */
  linkedCrmUserId: (profile: SlackUserProfile) => Promise<string | null>;
  /** Told each profile fetched, so other caches of the same answer need not ask Slack again. */
  onProfile?: (profile: SlackUserProfile) => Promise<void>;
  /** Something went wrong that the directory worked around (a CRM that could not say who is linked). */
  onTrouble?: (error: unknown, what: string) => void;
  clock?: () => number;
  memoryTtlMs?: number;
  storeTtlMs?: number;
}

export interface RequesterDirectory {
  /**
   * The requester when this process knows them fresh enough; no I/O. With `linked`, only when
   * their CRM user was looked up too.
   */
  known(userId: string, options?: { linked?: boolean }): Requester | null;
  /**
   * The requester: from memory, else the store, else Slack (once). Their linked CRM user is
   * looked up only when `linked` is asked for (a write): until then `crmUserId` is null and
   * unresolved, so reading a deal, or opening a form, never waits on the CRM.
   */
  resolve(userId: string, fetch: FetchSlackUser, options?: { linked?: boolean }): Promise<Requester>;
  /** Slack said the user changed (`user_change` carries the whole user): resolved again from it. */
  refresh(profile: SlackUserProfile): Promise<Requester>;
  /**
   * Their link changed (`/deal link`, `unlink`, `connect`, `disconnect`): this process and the
   * store forget them, so their next request looks the link up again. Another replica's memory
   * keeps the old answer for at most `REQUESTER_MEMORY_TTL_MS`.
   */
  forget(userId: string): Promise<void>;
}

/** What is kept per person: who they are, and whether their CRM user was looked up. */
interface Entry {
  requester: Requester;
  linked: boolean;
  /** The Slack profile, for looking the link up later without asking Slack again. */
  profile: SlackUserProfile | null;
}

export const REQUESTER_MEMORY_TTL_MS = 60_000;
export const REQUESTER_STORE_TTL_MS = 5 * 60_000;

const requesterKey = (userId: string) => `access:requester:${userId}`;

/** A requester Slack knows nothing about: treated as a stranger. */
function unknownUser(userId: string): Requester {
  return {
    slackUserId: userId,
    teamId: null,
    kind: 'stranger',
    isAdmin: false,
    email: null,
    name: userId,
    crmUserId: null,
  };
}

export function requesterKind(profile: SlackUserProfile, installation: InstallationIds | null): RequesterKind {
  if (profile.isStranger) return 'stranger';
  if (installation) {
    const sameTeam = installation.teamId !== null && profile.teamId === installation.teamId;
    const sameOrg = installation.enterpriseId !== null && profile.enterpriseId === installation.enterpriseId;
    const nothingToCompare = installation.teamId === null && installation.enterpriseId === null;
    if (!sameTeam && !sameOrg && !nothingToCompare) return 'stranger';
  }
  if (profile.isRestricted || profile.isUltraRestricted) return 'guest';
  return 'member';
}

export function createRequesterDirectory(deps: RequesterDirectoryDeps): RequesterDirectory {
  const clock = deps.clock ?? Date.now;
  const memoryTtl = deps.memoryTtlMs ?? REQUESTER_MEMORY_TTL_MS;
  const storeTtl = deps.storeTtlMs ?? REQUESTER_STORE_TTL_MS;
  const memory = new Map<string, { entry: Entry; until: number }>();
  const inFlight = new Map<string, Promise<Requester>>();

  const remember = (entry: Entry): void => {
    memory.set(entry.requester.slackUserId, { entry, until: clock() + memoryTtl });
    // A bounded map: the oldest entries go first.
    if (memory.size > 10_000) memory.delete(memory.keys().next().value as string);
  };

  const fresh = (userId: string): Entry | null => {
    const kept = memory.get(userId);
    if (!kept) return null;
    if (kept.until <= clock()) {
      memory.delete(userId);
      return null;
    }
    return kept.entry;
  };

  /** Who the profile is, without the CRM link (guests and strangers never have one). */
  function fromProfile(profile: SlackUserProfile): Entry {
    const kind = requesterKind(profile, deps.installation);
    const isAdmin = kind !== 'stranger' && (profile.isWorkspaceAdmin || deps.settings.admins.includes(profile.id));
    const requester: Requester = {
      slackUserId: profile.id,
      teamId: profile.teamId,
      kind,
      isAdmin,
      email: profile.email,
      name: profile.name,
      crmUserId: null,
    };
    return { requester, linked: kind !== 'member', profile };
  }

  /**
   * Looks the member's CRM user up (a stored credential links them too, `crm-links.ts`). A CRM that cannot say fails the
   * request with the CRM's own error (the person is told the CRM did not answer and to try
   * again), rather than telling a linked person they are not linked.
   */
  async function link(entry: Entry): Promise<Entry> {
    if (entry.linked || !entry.profile) return entry;
    const profile = entry.profile;
    const crmUserId = await deps.linkedCrmUserId(profile);
    return { ...entry, requester: { ...entry.requester, crmUserId }, linked: true };
  }

  async function save(entry: Entry): Promise<void> {
    remember(entry);
    await deps.store.set(requesterKey(entry.requester.slackUserId), entry, storeTtl);
  }

  async function load(userId: string, fetch: FetchSlackUser, wantLink: boolean): Promise<Requester> {
    let entry = fresh(userId) ?? (await deps.store.get<Entry>(requesterKey(userId))) ?? null;
    let changed = false;
    if (!entry) {
      const profile = await fetch(userId);
      if (!profile) {
        const stranger: Entry = { requester: unknownUser(userId), linked: true, profile: null };
        remember(stranger);
        return stranger.requester;
      }
      await deps.onProfile?.(profile).catch((error: unknown) => deps.onTrouble?.(error, 'could not keep the Slack profile'));
      entry = fromProfile(profile);
      changed = true;
    }
    if (wantLink && !entry.linked) {
      entry = await link(entry);
      changed = true;
    }
    if (changed) await save(entry);
    else remember(entry);
    return entry.requester;
  }

  return {
    known(userId, options) {
      const entry = fresh(userId);
      if (!entry || (options?.linked && !entry.linked)) return null;
      return entry.requester;
    },

    resolve(userId, fetch, options) {
      const wantLink = options?.linked ?? false;
      const now = this.known(userId, { linked: wantLink });
      if (now) return Promise.resolve(now);
      // A burst of requests from one person asks the store (and Slack) once.
      const key = `${userId}:${wantLink}`;
      let pending = inFlight.get(key);
      if (!pending) {
        pending = load(userId, fetch, wantLink).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },

    async forget(userId) {
      memory.delete(userId);
      await deps.store.delete(requesterKey(userId));
    },

    async refresh(profile) {
      memory.delete(profile.id);
      await deps.onProfile?.(profile).catch((error: unknown) => deps.onTrouble?.(error, 'could not keep the Slack profile'));
      const entry = fromProfile(profile);
      await save(entry);
      return entry.requester;
    },
  };
}
