import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { ensureSeeded } from '../../src/crm/local/seed.js';
import type { CrmClient, Deal, WriteOptions } from '../../src/crm/port.js';
import { createAuditTrail, type AuditTrail } from '../../src/services/audit-trail.js';
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
