// Who is asking: a Slack user's name, email (to find their CRM user) and time zone (to
// show dates in it). One `users.info` call per person, cached in the store for an hour,
// so a burst of commands costs Slack one request, not one each.

import type { WebClient } from '@slack/web-api';
import type { Actor, CrmClient, User, WriteOptions } from '../crm/port.js';
import type { Store } from '../store/store.js';

export interface SlackPerson {
  id: string;
  name: string;
  email: string | null;
  /** IANA zone, e.g. Europe/Berlin. */
  tz: string;
}

const TTL_MS = 60 * 60 * 1000;
const FALLBACK_ZONE = 'UTC';

export interface SlackPeople {
  get(client: WebClient, userId: string): Promise<SlackPerson>;
}

const personKey = (userId: string) => `slack:user:${userId}`;

/**
 * Keeps a person already read from Slack (the access check's `users.info`, a `user_change`),
 * so `get` needs no second call for them.
 */
export async function primeSlackPerson(store: Store, person: Omit<SlackPerson, 'tz'> & { tz: string | null }): Promise<void> {
  await store.set(personKey(person.id), { ...person, tz: person.tz || FALLBACK_ZONE }, TTL_MS);
}

export function createSlackPeople(store: Store): SlackPeople {
  return {
    async get(client, userId) {
      const key = personKey(userId);
      const cached = await store.get<SlackPerson>(key);
      if (cached) return cached;
      const { user } = await client.users.info({ user: userId });
      const person: SlackPerson = {
        id: userId,
        name: user?.profile?.real_name || user?.real_name || user?.name || userId,
        email: user?.profile?.email ?? null,
        tz: user?.tz || FALLBACK_ZONE,
      };
      await store.set(key, person, TTL_MS);
      return person;
    },
  };
}

/** The CRM user with the Slack person's email, if any (case-insensitive). */
export function crmUserFor(person: Pick<SlackPerson, 'email'>, users: readonly User[]): User | null {
  const email = person.email?.trim().toLowerCase();
  if (!email) return null;
  return users.find((u) => u.active && u.email?.trim().toLowerCase() === email) ?? null;
}

export function actorFor(person: SlackPerson, users: readonly User[]): Actor {
  return { name: person.name, crmUserId: crmUserFor(person, users)?.id ?? null };
}

/**
 * How a Slack person's change is recorded in the CRM: under the CRM user with their email,
 * else under their name. `person` may still be on its way (read alongside the users).
 */
export async function writeOptionsFor(
  crm: Pick<CrmClient, 'listUsers'>,
  person: SlackPerson | Promise<SlackPerson>,
): Promise<WriteOptions> {
  const [who, users] = await Promise.all([person, crm.listUsers()]);
  return { actor: actorFor(who, users) };
}
