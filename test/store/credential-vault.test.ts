import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createCredentialVault, vaultKeysFrom } from '../../src/store/credential-vault.js';
import { createStore } from '../../src/store/create-store.js';
import { scopeStore } from '../../src/store/scoped-store.js';
import type { Store } from '../../src/store/store.js';

const TOKEN = 'pd-personal-token-0123456789abcdef';
const owner = { crmUserId: '7', crmUserName: 'Ada Lovelace', crmUserEmail: 'ada@example.com' };

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function sqliteStore(): Promise<{ store: Store; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'dealbot-vault-'));
  dirs.push(dir);
  const store = await createStore(`sqlite://${join(dir, 'dealbot.sqlite')}`);
  stores.push(store);
  return { store, dir };
}

/** Every byte SQLite wrote (the database, its journal and WAL files). */
function bytesOf(dir: string): Buffer {
  return Buffer.concat(readdirSync(dir).map((name) => readFileSync(join(dir, name))));
}

describe('credential vault', () => {
  it('keeps the token encrypted in the SQLite file and gives it back to its owner', async () => {
    const { store, dir } = await sqliteStore();
    const keys = vaultKeysFrom(randomBytes(32).toString('base64'));
    const vault = createCredentialVault({ store: scopeStore(store, 'slack:T1'), keys, crm: 'pipedrive' });
    await vault.save('U1', TOKEN, owner);
    await store.close();
    stores.pop();

    const raw = bytesOf(dir);
    expect(raw.length).toBeGreaterThan(0);
    expect(raw.includes(Buffer.from('Ada Lovelace'))).toBe(true); // the record is there…
    expect(raw.includes(Buffer.from(TOKEN))).toBe(false); // …the token is not, in clear
    expect(raw.includes(Buffer.from(TOKEN).toString('base64'))).toBe(false);

    const reopened = await createStore(`sqlite://${join(dir, 'dealbot.sqlite')}`);
    stores.push(reopened);
    const again = createCredentialVault({ store: scopeStore(reopened, 'slack:T1'), keys, crm: 'pipedrive' });
    expect(await again.reveal('U1')).toMatchObject({ secret: TOKEN, info: { crmUserId: '7', crmUserName: 'Ada Lovelace' } });
  });

  it('uses a fresh IV for every record: the same token saved twice never looks the same', async () => {
    const store = await createStore('memory://');
    const vault = createCredentialVault({ store, keys: vaultKeysFrom('a passphrase long enough'), crm: 'pipedrive' });
    await vault.save('U1', TOKEN, owner);
    const first = await store.get<{ iv: string; data: string }>('credential:pipedrive:U1');
    await vault.save('U1', TOKEN, owner);
    const second = await store.get<{ iv: string; data: string }>('credential:pipedrive:U1');
    expect(first?.iv).not.toBe(second?.iv);
    expect(first?.data).not.toBe(second?.data);
    expect(Buffer.from(first!.iv, 'base64')).toHaveLength(12);
  });

  it('a record moved onto another person, or edited, never opens', async () => {
    const store = await createStore('memory://');
    const vault = createCredentialVault({ store, keys: vaultKeysFrom('a passphrase long enough'), crm: 'pipedrive' });
    await vault.save('U1', TOKEN, owner);
    const record = await store.get<Record<string, string>>('credential:pipedrive:U1');
    await store.set('credential:pipedrive:U2', record);
    expect(await vault.reveal('U2')).toBeNull();
    const data = Buffer.from(record!.data!, 'base64');
    data[0] = data[0]! ^ 1;
    await store.set('credential:pipedrive:U1', { ...record, data: data.toString('base64') });
    expect(await vault.reveal('U1')).toBeNull();
  });

  it('rotates keys: records sealed with the old key still open while it is listed, and read as absent once dropped', async () => {
    const store = await createStore('memory://');
    const oldKey = randomBytes(32).toString('hex');
    const newKey = randomBytes(32).toString('base64');
    await createCredentialVault({ store, keys: vaultKeysFrom(oldKey), crm: 'pipedrive' }).save('U1', TOKEN, owner);

    const rotated = createCredentialVault({ store, keys: vaultKeysFrom(`${newKey},${oldKey}`), crm: 'pipedrive' });
    expect((await rotated.reveal('U1'))?.secret).toBe(TOKEN);
    await rotated.save('U2', 'another-token-abcdef', owner);
    const kid = (await store.get<{ kid: string }>('credential:pipedrive:U2'))?.kid;
    expect(kid).toBe(vaultKeysFrom(newKey)[0]?.id);

    const dropped = createCredentialVault({ store, keys: vaultKeysFrom(newKey), crm: 'pipedrive' });
    expect(await dropped.reveal('U1')).toBeNull();
    expect(await dropped.info('U1')).toBeNull();
    expect((await dropped.reveal('U2'))?.secret).toBe('another-token-abcdef');
  });

  it('reads 32-byte keys as hex or base64 and anything else as a passphrase', () => {
    const bytes = randomBytes(32);
    expect(vaultKeysFrom(bytes.toString('hex'))[0]?.key.equals(bytes)).toBe(true);
    expect(vaultKeysFrom(bytes.toString('base64'))[0]?.key.equals(bytes)).toBe(true);
    const derived = vaultKeysFrom('correct horse battery staple');
    expect(derived[0]?.key).toHaveLength(32);
    expect(vaultKeysFrom('correct horse battery staple')[0]?.id).toBe(derived[0]?.id);
  });

  it('removes a credential', async () => {
    const store = await createStore('memory://');
    const vault = createCredentialVault({ store, keys: vaultKeysFrom('a passphrase long enough'), crm: 'pipedrive' });
    await vault.save('U1', TOKEN, owner);
    expect(await vault.remove('U1')).toBe(true);
    expect(await vault.reveal('U1')).toBeNull();
    expect(await vault.remove('U1')).toBe(false);
  });
});
