import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { ensureSeeded } from '../../src/crm/local/seed.js';
import type { CrmClient, Deal, WriteOptions } from '../../src/crm/port.js';
import { AUDIT_CHUNK, AUDIT_PER_DEAL, AUDIT_RECENT, createAuditTrail, type AuditTrail } from '../../src/services/audit-trail.js';
import { createAuditedCrm } from '../../src/services/audited-crm.js';
import { createDealChanges } from '../../src/services/deal-changes.js';
import { createDealService } from '../../src/services/deal-service.js';
import { createUndo } from '../../src/services/undo.js';
import { createStore } from '../../src/store/create-store.js';
import { scopeStore } from '../../src/store/scoped-store.js';
import { createLogger } from '../../src/logger.js';
import { viaDealbotNote } from '../../src/ui/audit-view.js';
import { errorMessage } from '../../src/ui/error-message.js';
import { CrmUnauthorizedError, PersonalCredentialRefusedError } from '../../src/errors.js';
import { buildDeal } from '../helpers/deal-builder.js';
import { stubCrm } from '../helpers/stub-crm.js';

const NOW = DateTime.fromISO('2026-11-16T10:00:00Z');
const ADA = { slackUserId: 'U0ADA', name: 'Ada Lovelace', crmUserId: '1' };

async function embedded() {
  const root = await createStore('memory://');
  const local = createLocalCrm({ store: root });
  await ensureSeeded(local, root, { now: NOW });
  const store = scopeStore(root, 'slack:T1');
  const audit = createAuditTrail({ store, crm: 'local' });
  const crm = createAuditedCrm({ shared: local, audit, person: ADA, channelId: 'C0SALES', viaDealbotNote });
  return { local, store, audit, crm };
}

describe('audited CRM: every write through Dealbot is in the audit trail', () => {
  it('records create, update, move, won, lost, reopen and note with from → to, who, where and the credential', async () => {
    const { local, store, audit, crm } = await embedded();
    const deals = createDealService(crm, store);
    const stages = await local.listStages();
    const deal4 = await crm.getDeal('4');

    const { deal: created } = await deals.quickCreate('Globex pilot 5k EUR', 'trigger:1');
    await crm.updateDeal(created.id, { title: 'Globex pilot (EU)' });
    const target = stages.find((s) => s.pipelineId === deal4.pipelineId && s.id !== deal4.stageId && !s.closes)!;
    await deals.moveToStage(deal4, target.id);
    await deals.markWon('4');
    await deals.reopen('4');
    await deals.markLost('4', 'No budget');
    await crm.addNote!('4', 'Called them: they went with a competitor.');

    const four = await audit.forDeal('4');
    expect(four.map((e) => e.op)).toEqual(['note', 'lost', 'reopen', 'won', 'move']);
    const from = stages.find((s) => s.id === deal4.stageId)!.name;
    expect(four.find((e) => e.op === 'move')?.changes).toEqual([{ field: 'stage', from, to: target.name }]);
    expect(four.find((e) => e.op === 'won')?.changes).toEqual([{ field: 'status', from: 'open', to: 'won' }]);
    expect(four.find((e) => e.op === 'lost')?.changes).toEqual([
      { field: 'status', from: 'open', to: 'lost' },
      { field: 'lostReason', from: null, to: 'No budget' },
    ]);
    for (const entry of four) {
      expect(entry).toMatchObject({
        slackUserId: 'U0ADA',
        slackName: 'Ada Lovelace',
        crmUserId: '1',
        dealId: '4',
        dealTitle: deal4.title,
        channelId: 'C0SALES',
        credential: 'shared',
      });
    }
    const globex = await audit.forDeal(created.id);
    expect(globex.map((e) => e.op)).toEqual(['update', 'create']);
    expect(globex[0]?.changes).toEqual([{ field: 'title', from: 'Globex pilot', to: 'Globex pilot (EU)' }]);
    expect(globex[1]?.changes).toEqual(expect.arrayContaining([{ field: 'title', from: null, to: 'Globex pilot' }]));
    expect((await audit.recent()).map((e) => e.op)).toEqual(['note', 'lost', 'reopen', 'won', 'move', 'update', 'create']);

    // The embedded CRM records the person as the actor of its own history; no extra note is written there.
    const history = await local.getDealHistory('4');
    expect(history.items.filter((c) => c.kind === 'note')).toHaveLength(1);
    expect(history.items.every((c) => c.actor === 'Ada Lovelace')).toBe(true);
  });

  it('an undo is recorded as an undo, and a double click (nothing changed) is not recorded', async () => {
    const { store, audit, crm } = await embedded();
    const deals = createDealService(crm, store);
    const undo = createUndo({ crm, store });
    const changes = createDealChanges({ deals, undo, logger: createLogger('silent') });
    const request = { options: { actor: { name: 'Ada Lovelace', crmUserId: '1' } }, actorUserId: 'U0ADA', sharedCard: null };
    const won = await changes.setStatus('won', '4', request);
    expect(won.kind).toBe('changed');
    await deals.markWon('4'); // already won: unchanged, no write
    const undone = await undo.undo(won.kind === 'changed' ? won.undoId! : '', { ...request.options, reason: 'undo' }, 'U0ADA');
    expect(undone.kind).toBe('undone');
    expect((await audit.forDeal('4')).map((e) => [e.op, e.changes])).toEqual([
      ['undo', [{ field: 'status', from: 'won', to: 'open' }]],
      ['won', [{ field: 'status', from: 'open', to: 'won' }]],
    ]);
  });
});

describe('audited CRM: whose credential a write goes out with', () => {
  function remote(name: string, calls: string[]): CrmClient {
    const deal = (over: Partial<Deal> = {}) =>
      buildDeal({ id: '42', title: 'Acme renewal', status: 'open', createdAt: NOW, updatedAt: NOW, ...over });
    const record =
      (op: string, answer: Partial<Deal>) =>
      async (...args: unknown[]): Promise<Deal> => {
        calls.push(`${name} ${op} ${JSON.stringify((args.at(-1) as WriteOptions | undefined)?.actor ?? null)}`);
        return deal(answer);
      };
    return {
      ...stubCrm('audited crm', {
        getDeal: async () => deal(),
        listStages: async () => [],
        listUsers: async () => [],
        markWon: record('markWon', { status: 'won' }),
        moveDeal: record('moveDeal', { stageId: 's2' }),
        addNote: async (_id: string, text: string) => {
          calls.push(`${name} addNote ${text}`);
          return {};
        },
      }),
      provider: 'pipedrive',
      displayName: 'Pipedrive',
    };
  }

  async function trail(): Promise<AuditTrail> {
    return createAuditTrail({ store: await createStore('memory://'), crm: 'pipedrive' });
  }

  it("without their own credential: the shared client writes, no extra request, and a note it writes ends 'via Dealbot by'", async () => {
    const calls: string[] = [];
    const audit = await trail();
    const crm = createAuditedCrm({ shared: remote('shared', calls), audit, person: ADA, channelId: null, viaDealbotNote });
    await crm.getDeal('42');
    await crm.moveDeal('42', 's2');
    await crm.markWon('42');
    await crm.addNote!('42', 'They signed.', { actor: { name: 'Ada L.' } });
    expect(calls).toEqual([
      'shared moveDeal {"name":"Ada Lovelace","crmUserId":"1"}',
      'shared markWon {"name":"Ada Lovelace","crmUserId":"1"}',
      'shared addNote They signed.\n\n— via Dealbot by Ada L.',
    ]);
    expect((await audit.recent()).map((e) => [e.op, e.credential])).toEqual([
      ['note', 'shared'],
      ['won', 'shared'],
      ['move', 'shared'],
    ]);
  });

  it('with their own credential: their client writes (reads stay on the shared one), no note, the CRM user is the credential’s', async () => {
    const calls: string[] = [];
    const audit = await trail();
    let lookups = 0;
    const own = remote('own', calls);
    const crm = createAuditedCrm({
      shared: remote('shared', calls),
      ownClient: async () => {
        lookups += 1;
        return { client: own, crmUserId: '9' };
      },
      audit,
      person: { ...ADA, crmUserId: null },
      channelId: 'C1',
      viaDealbotNote,
    });
    await crm.getDeal('42');
    await crm.moveDeal('42', 's2');
    await crm.markWon('42');
    await crm.addNote!('42', 'They signed.');
    expect(calls).toEqual([
      'own moveDeal {"name":"Ada Lovelace","crmUserId":"9"}',
      'own markWon {"name":"Ada Lovelace","crmUserId":"9"}',
      'own addNote They signed.',
    ]);
    expect(lookups).toBe(1);
    expect((await audit.recent()).map((e) => [e.op, e.credential, e.crmUserId])).toEqual([
      ['note', 'own', '9'],
      ['won', 'own', '9'],
      ['move', 'own', '9'],
    ]);
  });

  it("a revoked own credential is the person's to fix: PersonalCredentialRefusedError, told with /deal connect; nothing recorded", async () => {
    const calls: string[] = [];
    const audit = await trail();
    const own = { ...remote('own', calls), markWon: () => Promise.reject(new CrmUnauthorizedError({ crm: 'Pipedrive', status: 401 })) };
    const crm = createAuditedCrm({
      shared: remote('shared', calls),
      ownClient: async () => ({ client: own, crmUserId: '9' }),
      audit,
      person: ADA,
      channelId: null,
    });
    const error = await crm.markWon('42').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PersonalCredentialRefusedError);
    expect(errorMessage(error, 'Pipedrive').summary).toBe(
      "Pipedrive no longer accepts your own token, so nothing was changed. Store a new one with /deal connect, or use Dealbot's shared token with /deal disconnect.",
    );
    expect(calls).toEqual([]);
    expect(await audit.recent()).toEqual([]);
  });

  it('a store that fails never fails the write it records', async () => {
    const calls: string[] = [];
    const broken = await createStore('memory://');
    broken.withLock = () => Promise.reject(new Error('store down'));
    const audit = createAuditTrail({ store: broken, crm: 'pipedrive' });
    const crm = createAuditedCrm({ shared: remote('shared', calls), audit, person: ADA, channelId: null });
    await expect(crm.markWon('42')).resolves.toMatchObject({ status: 'won' });
  });
});

describe('audit trail retention', () => {
  it('keeps 90 days and drops older entries when the deal is next written', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const audit = createAuditTrail({ store: await createStore('memory://'), crm: 'local', now: () => now });
    const entry = {
      op: 'won' as const,
      slackUserId: 'U1',
      slackName: null,
      crmUserId: null,
      dealId: '4',
      dealTitle: 'T',
      changes: [],
      channelId: null,
      credential: 'shared' as const,
    };
    await audit.record(entry);
    now = new Date('2026-03-15T00:00:00Z');
    await audit.record({ ...entry, op: 'reopen' });
    expect((await audit.forDeal('4')).map((e) => e.op)).toEqual(['reopen', 'won']);
    now = new Date('2026-04-15T00:00:00Z');
    await audit.record({ ...entry, op: 'lost' });
    expect((await audit.forDeal('4')).map((e) => e.op)).toEqual(['lost', 'reopen']);
  });
});

describe('audit trail chunks', () => {
  const entry = (dealId: string, n: number) => ({
    op: 'update' as const,
    slackUserId: 'U1',
    slackName: null,
    crmUserId: null,
    dealId,
    dealTitle: `Deal ${dealId}`,
    changes: [{ field: 'value', from: String(n - 1), to: String(n) }],
    channelId: null,
    credential: 'shared' as const,
  });
  const valueOf = (e: { changes: Array<{ to: string | null }> }) => Number(e.changes[0]?.to);

  it('keeps each log newest first and bounded across many chunks, and a write touches one chunk per log', async () => {
    const store = await createStore('memory://');
    const audit = createAuditTrail({ store, crm: 'local' });
    const total = AUDIT_PER_DEAL + 3 * AUDIT_CHUNK + 9;
    for (let n = 1; n <= total; n += 1) await audit.record(entry(n % 2 === 0 ? '2' : '4', n));
    // Every entry went to deal 2 or 4; both logs keep their newest, in order.
    const four = (await audit.forDeal('4')).map(valueOf);
    // `total` is even: deal 4 got the odd ones.
    expect(four).toHaveLength(total / 2);
    expect(four.slice(0, 3)).toEqual([total - 1, total - 3, total - 5]);
    const recent = (await audit.recent()).map(valueOf);
    expect(recent).toEqual(Array.from({ length: AUDIT_RECENT }, (_, i) => total - i));
    expect((await audit.recent(5)).map(valueOf)).toEqual([total, total - 1, total - 2, total - 3, total - 4]);

    // What one more write reads and writes: at most one chunk of entries per log.
    const sizes: number[] = [];
    const set = store.set.bind(store);
    store.set = async (key, value, ttl) => {
      if (Array.isArray(value)) sizes.push(value.length);
      return set(key, value, ttl);
    };
    await audit.record(entry('4', total + 1));
    expect(sizes.length).toBeGreaterThan(0);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(AUDIT_CHUNK);
  });

  it('a deal past AUDIT_PER_DEAL entries keeps its newest AUDIT_PER_DEAL, and chunks that fell out are deleted', async () => {
    const store = await createStore('memory://');
    const audit = createAuditTrail({ store, crm: 'local' });
    const total = AUDIT_PER_DEAL + 2 * AUDIT_CHUNK;
    for (let n = 1; n <= total; n += 1) await audit.record(entry('9', n));
    const kept = (await audit.forDeal('9')).map(valueOf);
    expect(kept).toHaveLength(AUDIT_PER_DEAL);
    expect(kept[0]).toBe(total);
    expect(kept.at(-1)).toBe(total - AUDIT_PER_DEAL + 1);
    // The oldest chunk (the log's own key) is gone from the store, not only from view.
    expect(await store.get('audit:local:deal:9')).toBeUndefined();
  });

  it('reads and extends a whole-list log the first version wrote under the log key', async () => {
    const store = await createStore('memory://');
    const at = new Date('2026-12-01T10:00:00Z');
    const old = Array.from({ length: 60 }, (_, i) => ({ ...entry('7', i + 1), id: `old-${i + 1}`, at: at.toISOString() }));
    await store.set('audit:local:deal:7', old);
    await store.set('audit:local:recent', old);
    const audit = createAuditTrail({ store, crm: 'local', now: () => new Date('2026-12-02T10:00:00Z') });
    expect((await audit.forDeal('7', 3)).map(valueOf)).toEqual([60, 59, 58]);
    await audit.record(entry('7', 61));
    expect((await audit.forDeal('7')).map(valueOf)).toEqual(Array.from({ length: 61 }, (_, i) => 61 - i));
    expect((await audit.recent(2)).map(valueOf)).toEqual([61, 60]);
  });
});
