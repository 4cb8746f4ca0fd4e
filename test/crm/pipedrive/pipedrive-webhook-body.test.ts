import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readPipedriveWebhook } from '../../../src/crm/pipedrive/pipedrive-webhook-body.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/pipedrive/${name}.json`, import.meta.url), 'utf8'));

describe('readPipedriveWebhook', () => {
  it("reads PipedreamHQ's recorded create.deal: the event id, who, when, the deal with a link on the company's domain", () => {
    const reading = readPipedriveWebhook(fixture('real-webhook-v2-create-deal'));
    expect(reading.kind).toBe('deal');
    if (reading.kind !== 'deal') return;
    const { event } = reading;
    expect(event).toMatchObject({ eventId: '123456789-1234-1234-1234-123456789012', action: 'create', crmUserId: '123123', before: null });
    expect(event.at?.toISO()).toBe('2023-01-01T00:00:00.000Z');
    expect(event.deal).toMatchObject({
      id: '1',
      title: 'Title',
      status: 'open',
      url: 'https://company.pipedrive.com/deal/1',
      updatedAt: null,
    });
  });

  it('lays "previous" over "data" for the deal before a change, and takes a delete\'s last state from "previous"', () => {
    const moved = readPipedriveWebhook(fixture('webhook-v2-change-deal-moved'));
    expect(moved.kind === 'deal' && [moved.event.before?.stageId, moved.event.deal?.stageId]).toEqual(['1', '2']);
    const deleted = readPipedriveWebhook(fixture('webhook-v2-delete-deal'));
    expect(deleted.kind === 'deal' && [deleted.event.action, deleted.event.deal, deleted.event.before?.status]).toEqual([
      'delete',
      null,
      'won',
    ]);
  });

  it("reads a 10-digit meta.timestamp as seconds, as Pipedrive's guide describes it", () => {
    const body = fixture('real-webhook-v2-create-deal');
    body.meta.timestamp = 1739827361;
    const reading = readPipedriveWebhook(body);
    expect(reading.kind === 'deal' && reading.event.at?.toISO()).toBe('2025-02-17T21:22:41.000Z');
  });

  it('refuses a v1 body and a deal it cannot read; ignores other entities', () => {
    expect(readPipedriveWebhook(fixture('real-webhook-v1-updated-deal')).kind).toBe('invalid');
    const body = fixture('real-webhook-v2-create-deal');
    expect(readPipedriveWebhook({ ...body, data: { id: 1 } })).toEqual({
      kind: 'invalid',
      reason: 'a create event whose deal cannot be read',
    });
    expect(readPipedriveWebhook({ ...body, meta: { ...body.meta, entity: 'note' } })).toMatchObject({
      kind: 'ignored',
      reason: 'entity note',
    });
  });
});
