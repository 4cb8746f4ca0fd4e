import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { diffDeal, snapshotOf } from '../../src/domain/deal-diff.js';
import type { DealSnapshot } from '../../src/domain/deal-events.js';
import { buildDeal } from '../helpers/deal-builder.js';

const created = DateTime.fromISO('2026-03-01T09:00:00Z');
const updated = DateTime.fromISO('2026-03-02T10:30:00.250Z');

function snap(fields: Partial<DealSnapshot> = {}): DealSnapshot {
  return {
    dealId: '42',
    title: 'Acme renewal',
    status: 'open',
    pipelineId: '1',
    stageId: '2',
    ownerId: '7',
    value: { amount: 1000, currency: 'EUR' },
    expectedCloseDate: '2026-04-30',
    lostReason: null,
    url: null,
    changedAt: '2026-03-01T09:00:00.000Z',
    ...fields,
  };
}

const later = (fields: Partial<DealSnapshot>) => snap({ changedAt: '2026-03-02T10:30:00.000Z', ...fields });
const kinds = (before: DealSnapshot | null, after: DealSnapshot) => diffDeal(before, after, 'poll', null).map((e) => e.kind);

describe('snapshotOf', () => {
  it('keeps the watched fields of a deal, compactly, and its last change time in UTC', () => {
    const deal = buildDeal({
      id: '42',
      title: 'Acme renewal',
      createdAt: created,
      updatedAt: DateTime.fromISO('2026-03-02T11:30:00.250+01:00'),
      stageId: '3',
      ownerId: '7',
      expectedCloseDate: '2026-04-30',
      organization: { id: '9', name: 'Acme' },
      lostReason: 'left over from a former loss',
      url: 'https://acme.pipedrive.com/deal/42',
    });
    expect(snapshotOf(deal)).toEqual({
      dealId: '42',
      title: 'Acme renewal',
      status: 'open',
      pipelineId: '1',
      stageId: '3',
      ownerId: '7',
      value: { amount: 1000, currency: 'EUR' },
      expectedCloseDate: '2026-04-30',
      // Only a lost deal has a reason worth keeping.
      lostReason: null,
      // The deal's page in the CRM, for the alert's link and Open in CRM.
      url: 'https://acme.pipedrive.com/deal/42',
      changedAt: '2026-03-02T10:30:00.250Z',
    });
  });

  it('falls back to the close, stage change or creation time when the CRM gives no update time', () => {
    const deal = buildDeal({ id: '1', createdAt: created, updatedAt: null, stageChangedAt: updated });
    expect(snapshotOf(deal).changedAt).toBe('2026-03-02T10:30:00.250Z');
    expect(snapshotOf(deal, '2026-03-05T00:00:00.000Z').changedAt).toBe('2026-03-05T00:00:00.000Z');
  });
});

describe('diffDeal', () => {
  it('says created, and only created, for a deal with no earlier snapshot', () => {
    const [event, ...rest] = diffDeal(null, snap({ status: 'won' }), 'webhook', { crmUserId: '7' });
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      kind: 'created',
      id: '42:created:created:2026-03-01T09:00:00.000Z',
      dealId: '42',
      at: '2026-03-01T09:00:00.000Z',
      source: 'webhook',
      actor: { crmUserId: '7' },
      deal: { title: 'Acme renewal', status: 'won' },
    });
  });

  it('says nothing when no watched field changed (a newer title or a newer change time alone)', () => {
    expect(kinds(snap(), later({ title: 'Acme renewal 2027' }))).toEqual([]);
    expect(kinds(snap(), snap())).toEqual([]);
  });

  it('says moved with where from and to, the pipeline it left included', () => {
    const events = diffDeal(snap(), later({ pipelineId: '2', stageId: '9' }), 'poll', null);
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'moved',
        fromStageId: '2',
        toStageId: '9',
        fromPipelineId: '1',
        id: '42:moved:9:2026-03-02T10:30:00.000Z',
        deal: expect.objectContaining({ pipelineId: '2', stageId: '9' }),
      }),
    ]);
  });

  it('says won, lost with its reason, and reopened, by the status', () => {
    expect(kinds(snap(), later({ status: 'won' }))).toEqual(['won']);
    expect(diffDeal(snap(), later({ status: 'lost', lostReason: 'Too expensive' }), 'poll', null)).toEqual([
      expect.objectContaining({ kind: 'lost', lostReason: 'Too expensive', id: '42:lost:lost:2026-03-02T10:30:00.000Z' }),
    ]);
    expect(kinds(snap({ status: 'won' }), later({ status: 'lost' }))).toEqual(['lost']);
    expect(kinds(snap({ status: 'lost' }), later({ status: 'open' }))).toEqual(['reopened']);
    expect(kinds(snap({ status: 'won' }), later({ status: 'open' }))).toEqual(['reopened']);
  });

  it('does not also say moved when closing moved the deal into a won or lost stage', () => {
    expect(kinds(snap(), later({ status: 'won', stageId: '99' }))).toEqual(['won']);
    expect(kinds(snap({ status: 'lost', stageId: '98' }), later({ status: 'open', stageId: '2' }))).toEqual(['reopened']);
  });

  it('says value changed, from → to, for a new amount, a new currency, a value set or cleared', () => {
    expect(diffDeal(snap(), later({ value: { amount: 1500, currency: 'EUR' } }), 'poll', null)).toEqual([
      expect.objectContaining({
        kind: 'value',
        from: { amount: 1000, currency: 'EUR' },
        to: { amount: 1500, currency: 'EUR' },
        id: '42:value:1500 EUR:2026-03-02T10:30:00.000Z',
      }),
    ]);
    expect(kinds(snap(), later({ value: { amount: 1000, currency: 'USD' } }))).toEqual(['value']);
    expect(kinds(snap({ value: null }), later({}))).toEqual(['value']);
    expect(kinds(snap(), later({ value: null }))).toEqual(['value']);
    expect(kinds(snap({ value: null }), later({ value: null }))).toEqual([]);
  });

  it('says the close date was pushed only when it moved later', () => {
    expect(diffDeal(snap(), later({ expectedCloseDate: '2026-05-15' }), 'poll', null)).toEqual([
      expect.objectContaining({ kind: 'closeDatePushed', from: '2026-04-30', to: '2026-05-15' }),
    ]);
    expect(kinds(snap(), later({ expectedCloseDate: '2026-04-01' }))).toEqual([]);
    expect(kinds(snap(), later({ expectedCloseDate: null }))).toEqual([]);
    expect(kinds(snap({ expectedCloseDate: null }), later({ expectedCloseDate: '2026-05-15' }))).toEqual([]);
  });

  it('says every change one edit made, each with its own id', () => {
    const events = diffDeal(
      snap(),
      later({ stageId: '3', value: { amount: 2000, currency: 'EUR' }, expectedCloseDate: '2026-06-01' }),
      'poll',
      null,
    );
    expect(events.map((e) => e.kind)).toEqual(['moved', 'value', 'closeDatePushed']);
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
  });

  it('gives one change the same id whichever source saw it', () => {
    const after = later({ status: 'won' });
    const [fromPoll] = diffDeal(snap(), after, 'poll', null);
    const [fromWebhook] = diffDeal(snap({ stageId: '1' }), after, 'webhook', { crmUserId: '7' });
    expect(fromPoll!.id).toBe(fromWebhook!.id);
  });
});
