// Personal CRM credentials (`/deal connect`), encrypted at rest (issue #16 "Acting as the
// person"). AES-256-GCM from `node:crypto`: a random 12-byte IV per record, the 16-byte auth
// tag kept beside the ciphertext, and the record bound (as additional authenticated data) to
// the Slack user and CRM it belongs to, so a record copied onto another person's key, or
// edited in the store, fails to decrypt rather than act as someone else.
//
// The key comes from `DEALBOT_SECRET_KEY`:
// - 32 bytes written as 64 hex digits or as base64 (44 characters): used as is;
// - anything else (at least 16 characters) is a passphrase, stretched with scrypt (N=2^15,
//   r=8, p=1) over a fixed, Dealbot-specific salt into 32 bytes. The salt is fixed because
//   every replica must derive the same key from the same passphrase; a random 32-byte key is
//   better, and `openssl rand -base64 32` makes one.
// Several keys may be given, comma-separated, for rotation: the first encrypts, every one
// decrypts. Each record names the key that sealed it (`kid`: the first 8 hex digits of the
// key's SHA-256, which tells keys apart without revealing them), so after a rotation old
// records still open, and a record whose key was dropped reads as absent (the person is
// asked to connect again) instead of failing their request.
//
// What is stored per person: `{ v, kid, iv, tag, data }` plus who the credential is in the CRM
// (user id and name, for `/deal connect`'s answer and the audit). The clear token is never
// stored, logged or returned anywhere but to the caller of `reveal`; nothing here logs.

import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { z } from 'zod';
import type { Store } from './store.js';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const KEY_BYTES = 32;
const RECORD_VERSION = 1;
const PASSPHRASE_SALT = 'dealbot:credential-vault:v1';

export interface VaultKey {
  /** First 8 hex digits of the key's SHA-256: names the key in each record, never reveals it. */
  id: string;
  key: Buffer;
}

/** Whose credential a record is, as the CRM answered when it was checked. */
export interface CredentialOwner {
  crmUserId: string;
  crmUserName: string;
  crmUserEmail: string | null;
}

export interface StoredCredentialInfo extends CredentialOwner {
  /** ISO instant it was saved. */
  savedAt: string;
}

export interface CredentialVault {
  save(slackUserId: string, secret: string, owner: CredentialOwner): Promise<void>;
  /** The clear credential, or null when none is kept (or it no longer decrypts). */
  reveal(slackUserId: string): Promise<{ secret: string; info: StoredCredentialInfo } | null>;
  /** Who the kept credential is, without decrypting it. */
  info(slackUserId: string): Promise<StoredCredentialInfo | null>;
  /** True when there was one to remove. */
  remove(slackUserId: string): Promise<boolean>;
}

/** Reads `DEALBOT_SECRET_KEY` into keys, the encrypting one first. */
export function vaultKeysFrom(secret: string): VaultKey[] {
  const keys = secret
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const key = rawKey(part) ?? scryptSync(part, PASSPHRASE_SALT, KEY_BYTES, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
      return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
    });
  if (keys.length === 0) throw new RangeError('DEALBOT_SECRET_KEY holds no key');
  return keys;
}

function rawKey(text: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(text) || /^[A-Za-z0-9_-]{43}$/.test(text)) {
    const bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
    if (bytes.length === KEY_BYTES) return bytes;
  }
  return null;
}

const recordSchema = z.object({
  v: z.literal(RECORD_VERSION),
  kid: z.string(),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
  crmUserId: z.string(),
  crmUserName: z.string(),
  crmUserEmail: z.string().nullable(),
  savedAt: z.string(),
});
type SealedRecord = z.infer<typeof recordSchema>;

/** The store key of a person's credential record (`crm`: the provider, as the vault is given it). */
export const credentialKey = (crm: string, slackUserId: string): string => `credential:${crm}:${slackUserId}`;

/**
 * The CRM user a stored credential belongs to, read from the record's clear metadata without
 * decrypting anything (no key needed): the CRM said so when the credential was checked, which
 * is proof enough of who the person is there (`services/crm-links.ts`). Null when none is kept.
 */
export function credentialOwnerIn(record: unknown): string | null {
  const parsed = recordSchema.safeParse(record);
  return parsed.success ? parsed.data.crmUserId : null;
}

export interface CredentialVaultOptions {
  /** The workspace's store: credentials belong to a Slack user of one workspace. */
  store: Store;
  keys: readonly VaultKey[];
  /** Which CRM account kind the credentials are for (`pipedrive`…): part of the key and of the bound data. */
  crm: string;
  now?: () => Date;
}

export function createCredentialVault({ store, keys, crm, now = () => new Date() }: CredentialVaultOptions): CredentialVault {
  const [current] = keys;
  if (!current) throw new RangeError('a credential vault needs a key');
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  const recordKey = (slackUserId: string) => credentialKey(crm, slackUserId);
  const boundTo = (slackUserId: string) => Buffer.from(`dealbot-credential\u0000${crm}\u0000${slackUserId}`, 'utf8');

  async function read(slackUserId: string): Promise<SealedRecord | null> {
    const parsed = recordSchema.safeParse(await store.get(recordKey(slackUserId)));
    return parsed.success ? parsed.data : null;
  }

  const infoOf = (record: SealedRecord): StoredCredentialInfo => ({
    crmUserId: record.crmUserId,
    crmUserName: record.crmUserName,
    crmUserEmail: record.crmUserEmail,
    savedAt: record.savedAt,
  });

  return {
    async save(slackUserId, secret, owner) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, current.key, iv);
      cipher.setAAD(boundTo(slackUserId));
      const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      const record: SealedRecord = {
        v: RECORD_VERSION,
        kid: current.id,
        iv: iv.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
        data: data.toString('base64'),
        crmUserId: owner.crmUserId,
        crmUserName: owner.crmUserName,
        crmUserEmail: owner.crmUserEmail,
        savedAt: now().toISOString(),
      };
      await store.set(recordKey(slackUserId), record);
    },

    async reveal(slackUserId) {
      const record = await read(slackUserId);
      if (!record) return null;
      const key = byId.get(record.kid);
      // Sealed with a key no longer configured: as if absent; the person connects again.
      if (!key) return null;
      try {
        const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(record.iv, 'base64'));
        decipher.setAAD(boundTo(slackUserId));
        decipher.setAuthTag(Buffer.from(record.tag, 'base64'));
        const secret = Buffer.concat([decipher.update(Buffer.from(record.data, 'base64')), decipher.final()]).toString('utf8');
        return { secret, info: infoOf(record) };
      } catch {
        // Tampered with, or moved onto another person: never used.
        return null;
      }
    },

    async info(slackUserId) {
      const record = await read(slackUserId);
      return record && byId.has(record.kid) ? infoOf(record) : null;
    },

    async remove(slackUserId) {
      return store.delete(recordKey(slackUserId));
    },
  };
}
