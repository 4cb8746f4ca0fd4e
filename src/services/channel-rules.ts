// A channel's rule for Dealbot (`/deal channel open|read-only|off`, set by admins) and whether
// the channel is shared with another organization, as the access policy reads them
// (`access-policy.ts`). Rules live in the workspace's store for good; whether a channel is
// shared is asked of Slack (through a port) and kept ten minutes. Both are kept in this
// process's memory for 30 seconds, so a request from a channel seen just before waits on
// nothing; a rule set here is seen here at once and by other replicas within 30 seconds.

import type { ChannelRule } from '../domain/requester.js';
import type { Store } from '../store/store.js';
import type { ChannelAccess } from './access-policy.js';

export interface ChannelRuleRecord {
  rule: ChannelRule;
  /** The admin who set it. */
  setBy: string;
  /** ISO instant. */
  at: string;
}

/** Whether Slack says the channel is shared with another organization (`is_ext_shared`). */
export type IsExternallyShared = (channelId: string) => Promise<boolean>;

export interface ChannelRules {
  /** The channel's access when this process knows it fresh enough; no I/O. Null: not known. */
  known(channelId: string): ChannelAccess | null;
  access(channelId: string, isExternallyShared: IsExternallyShared): Promise<ChannelAccess>;
  get(channelId: string): Promise<ChannelRuleRecord | null>;
  set(channelId: string, rule: ChannelRule, byUserId: string): Promise<ChannelRuleRecord>;
}

export const CHANNEL_MEMORY_TTL_MS = 30_000;
export const EXT_SHARED_TTL_MS = 10 * 60_000;

const ruleKey = (channelId: string) => `access:channel:${channelId}`;
const sharedKey = (channelId: string) => `access:ext-shared:${channelId}`;

/** Direct messages have no rules and no other organization's members. */
export const isDirectMessage = (channelId: string): boolean => /^D/.test(channelId);

export function createChannelRules(deps: { store: Store; clock?: () => number; now?: () => Date }): ChannelRules {
  const clock = deps.clock ?? Date.now;
  const now = deps.now ?? (() => new Date());
  const memory = new Map<string, { access: ChannelAccess; until: number }>();

  const remember = (channelId: string, access: ChannelAccess): void => {
    memory.set(channelId, { access, until: clock() + CHANNEL_MEMORY_TTL_MS });
    if (memory.size > 10_000) memory.delete(memory.keys().next().value as string);
  };

  async function externallyShared(channelId: string, ask: IsExternallyShared): Promise<boolean> {
    const stored = await deps.store.get<boolean>(sharedKey(channelId));
    if (stored !== undefined) return stored;
    const shared = await ask(channelId);
    await deps.store.set(sharedKey(channelId), shared, EXT_SHARED_TTL_MS);
    return shared;
  }

  return {
    known(channelId) {
      if (isDirectMessage(channelId)) return { rule: null, externallyShared: false };
      const entry = memory.get(channelId);
      if (!entry || entry.until <= clock()) return null;
      return entry.access;
    },

    async access(channelId, ask) {
      const fresh = this.known(channelId);
      if (fresh) return fresh;
      const [record, shared] = await Promise.all([this.get(channelId), externallyShared(channelId, ask)]);
      const access: ChannelAccess = { rule: record?.rule ?? null, externallyShared: shared };
      remember(channelId, access);
      return access;
    },

    async get(channelId) {
      return (await deps.store.get<ChannelRuleRecord>(ruleKey(channelId))) ?? null;
    },

    async set(channelId, rule, byUserId) {
      const record: ChannelRuleRecord = { rule, setBy: byUserId, at: now().toISOString() };
      await deps.store.set(ruleKey(channelId), record);
      const shared = (await deps.store.get<boolean>(sharedKey(channelId))) ?? false;
      remember(channelId, { rule, externallyShared: shared });
      return record;
    },
  };
}
