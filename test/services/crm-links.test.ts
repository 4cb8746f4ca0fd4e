import { describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { ensureSeeded } from '../../src/crm/local/seed.js';
import type { User } from '../../src/crm/port.js';
import { createCrmLinks } from '../../src/services/crm-links.js';
import { createCredentialVault, vaultKeysFrom } from '../../src/store/credential-vault.js';
import { createStore } from '../../src/store/create-store.js';
import { scopeStore } from '../../src/store/scoped-store.js';
import { stubCrm } from '../helpers/stub-crm.js';

const users: User[] = [
  { id: '7', name: 'Ada Lovelace', email: 'Ada@Example.com', active: true },
  { id: '8', name: 'Grace Hopper', email: 'grace@example.com', active: true },
  { id: '9', name: 'Old Timer', email: 'old@example.com', active: false },
];

async function remote(list: User[] = users) {
  const store = scopeStore(await createStore('memory://'), 'slack:T1');
  const crm = { ...stubCrm('crm links', { listUsers: async () => list }), provider: 'pipedrive' as const };
  return { store, links: createCrmLinks({ store, crm }) };
}

describe('crm links on a remote CRM', () => {
  it('links a Slack person to the active CRM user with their email, case and spacing aside', async () => {
    const { links } = await remote();
    expect(await links.linkedCrmUserId('U1', '  ada@EXAMPLE.com ')).toBe('7');
    expect(await links.linkedCrmUserId('U2', 'nobody@example.com')).toBeNull();
    expect(await links.linkedCrmUserId('U3', null)).toBeNull();
    // A deactivated CRM user links nobody.
    expect(await links.linkedCrmUserId('U4', 'old@example.com')).toBeNull();
  });

  it("an admin's link wins over the email, and unlinking falls back to the email", async () => {
    const { links } = await remote();
    const outcome = await links.link('U1', 'GRACE@example.com', 'UADMIN');
    expect(outcome).toMatchObject({ kind: 'linked', user: { id: '8' }, link: { source: 'admin', linkedBy: 'UADMIN' } });
    expect(await links.linkedCrmUserId('U1', 'ada@example.com')).toBe('8');
    expect((await links.list()).map((l) => [l.slackUserId, l.user?.name])).toEqual([['U1', 'Grace Hopper']]);

    expect(await links.unlink('U1')).toMatchObject({ crmUserId: '8' });
    expect(await links.linkedCrmUserId('U1', 'ada@example.com')).toBe('7');
    expect(await links.list()).toEqual([]);
    expect(await links.unlink('U1')).toBeNull();
  });

  it('refuses to link to an email no CRM user has, or to a deactivated user', async () => {
    const { links } = await remote();
    const missing = await links.link('U1', 'who@example.com', 'UADMIN');
    expect(missing).toMatchObject({ kind: 'no-such-user', email: 'who@example.com' });
    expect(missing.kind === 'no-such-user' && missing.known.map((u) => u.id)).toEqual(['7', '8']);
    expect(await links.link('U1', 'old@example.com', 'UADMIN')).toMatchObject({ kind: 'inactive', user: { id: '9' } });
    expect(await links.linkedCrmUserId('U1', null)).toBeNull();
  });

  it('a link to a user the CRM later deactivated no longer applies', async () => {
    const list = users.map((u) => ({ ...u }));
    const { links } = await remote(list);
    await links.link('U1', 'grace@example.com', 'UADMIN');
    list[1]!.active = false;
    expect(await links.linkedCrmUserId('U1', 'ada@example.com')).toBe('7');
    expect(await links.linkedCrmUserId('U1', null)).toBeNull();
  });

  it("a person Slack's email cannot link is linked by the credential they stored (/deal connect); an admin's link still wins", async () => {
    const { store, links } = await remote();
    const keys = vaultKeysFrom('a passphrase long enough');
    const vault = createCredentialVault({ store, keys, crm: 'pipedrive' });
    expect(await links.linkedCrmUserId('U5', 'ada.private@gmail.com')).toBeNull();
    await vault.save('U5', 'pd-token', { crmUserId: '7', crmUserName: 'Ada Lovelace', crmUserEmail: 'ada@example.com' });
    expect(await links.linkedCrmUserId('U5', 'ada.private@gmail.com')).toBe('7');
    await links.link('U5', 'grace@example.com', 'UADMIN');
    expect(await links.linkedCrmUserId('U5', 'ada.private@gmail.com')).toBe('8');
    await links.unlink('U5');
    await vault.remove('U5');
    expect(await links.linkedCrmUserId('U5', 'ada.private@gmail.com')).toBeNull();
  });

  it('links are per workspace', async () => {
    const root = await createStore('memory://');
    const crm = { ...stubCrm('crm links', { listUsers: async () => users }), provider: 'pipedrive' as const };
    const one = createCrmLinks({ store: scopeStore(root, 'slack:T1'), crm });
    const two = createCrmLinks({ store: scopeStore(root, 'slack:T2'), crm });
    await one.link('U1', 'grace@example.com', 'UADMIN');
    expect(await two.linkedCrmUserId('U1', null)).toBeNull();
  });
});

describe('crm links on the embedded CRM: every member is linked', () => {
  async function embedded() {
    const root = await createStore('memory://');
    const crm = createLocalCrm({ store: root });
    await ensureSeeded(crm, root);
    return { crm, links: createCrmLinks({ store: scopeStore(root, 'console'), crm }) };
  }

  it('uses the seeded user with the same email', async () => {
    const { crm, links } = await embedded();
    const ada = (await crm.listUsers()).find((u) => u.email === 'ada@example.com');
    expect(await links.linkedCrmUserId('U1', 'ADA@example.com', 'Ada')).toBe(ada?.id);
  });

  it('gives a member without a user one of their own, once, named as in Slack', async () => {
    const { crm, links } = await embedded();
    const before = (await crm.listUsers()).length;
    const [first, again] = await Promise.all([
      links.linkedCrmUserId('U9', 'new@example.com', 'New Person'),
      links.linkedCrmUserId('U9', 'new@example.com', 'New Person'),
    ]);
    expect(first).not.toBeNull();
    expect(again).toBe(first);
    expect(await links.linkedCrmUserId('U9', 'new@example.com', 'New Person')).toBe(first);
    const after = await crm.listUsers();
    expect(after).toHaveLength(before + 1);
    expect(after.find((u) => u.id === first)).toMatchObject({ name: 'New Person', email: 'new@example.com', active: true });
    // Without an email too: the member is still linked, to a user of their own.
    const noEmail = await links.linkedCrmUserId('U10', null, 'No Email');
    expect(noEmail).not.toBeNull();
    expect(noEmail).not.toBe(first);
  });
});
