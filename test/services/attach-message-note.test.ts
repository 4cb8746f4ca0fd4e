// The "Attach to deal" use case without Bolt: a stub CRM records the notes it is given, a
// fake Slack directory names people and links messages. One note per submitted form, in
// the words of the person attaching it, and nothing written to a deal that does not exist.

import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CrmClient, WriteOptions } from '../../src/crm/port.js';
import { CrmNotFoundError } from '../../src/errors.js';
import { attachMessageNote, canAttachNotes, type AttachMessageNoteDeps } from '../../src/services/attach-message-note.js';
import { createDealService } from '../../src/services/deal-service.js';
import type { MessageSource } from '../../src/services/message-note.js';
import type { SlackDirectory } from '../../src/services/slack-directory.js';
import { createStore } from '../../src/store/create-store.js';
import { buildDeal } from '../helpers/deal-builder.js';
import { stubCrm } from '../helpers/stub-crm.js';

const NOW = DateTime.fromISO('2026-03-02T10:00:00Z');
const SOURCE: MessageSource = {
  channelId: 'C1',
  ts: '1767000000.000100',
  threadTs: '1766999000.000100',
  authorId: 'UBOB',
  authorName: null,
};

const slack: SlackDirectory = {
  person: async (id) =>
    id === 'UADA'
      ? { id, name: 'Ada Lovelace', email: 'ada@example.com', tz: 'Europe/Berlin' }
      : { id, name: 'Bob', email: null, tz: 'UTC' },
  // Slack refusing a permalink costs the note its link, nothing more.
  permalink: () => Promise.reject(new Error('message_not_found')),
};

let notes: Array<{ dealId: string; note: string; options: WriteOptions | undefined }>;

beforeEach(() => {
  notes = [];
});

async function deps(operations: Partial<CrmClient>): Promise<AttachMessageNoteDeps> {
  const crm = stubCrm('attach-message-note', {
    listUsers: async () => [{ id: '900', name: 'Ada Lovelace', email: 'ada@example.com', active: true }],
    addNote: async (dealId, note, options) => void notes.push({ dealId, note, options }),
    ...operations,
  });
  const store = await createStore('memory://');
  return { crm, deals: createDealService(crm, store), store, slack };
}

const getDeal = async (id: string) => buildDeal({ id, title: 'Initech', createdAt: NOW, updatedAt: NOW });
const input = { dealId: '42', note: 'Initech wants 20 seats', source: SOURCE, requesterId: 'UADA', onceKey: 'V1:h1' };

describe('attachMessageNote', () => {
  it('adds the note once per submitted form, signed with who wrote the message and when', async () => {
    const d = await deps({ getDeal });
    const first = await attachMessageNote(d, input);
    const again = await attachMessageNote(d, input);

    expect(first).toMatchObject({ kind: 'attached', duplicate: false, deal: { id: '42', title: 'Initech' } });
    expect(again).toMatchObject({ kind: 'attached', duplicate: true, deal: { id: '42' } });
    expect(notes).toHaveLength(1);
    expect(notes[0]?.dealId).toBe('42');
    // Bob wrote it; Ada attached it, so the time reads in Ada's zone (09:20 UTC is 10:20 in
    // Berlin; the zone's short name depends on the ICU data) and the write is hers.
    expect(notes[0]?.note).toMatch(/^Initech wants 20 seats\n\n— Bob in Slack, 29 Dec 2025, 10:20 \S+$/);
    expect(notes[0]?.options?.actor).toEqual({ name: 'Ada Lovelace', crmUserId: '900' });
  });

  it('writes nothing to a deal that does not exist', async () => {
    const missing = new CrmNotFoundError('deal', '42', { crm: 'Test CRM', status: 404 });
    const d = await deps({ getDeal: () => Promise.reject(missing) });
    await expect(attachMessageNote(d, input)).rejects.toBe(missing);
    expect(notes).toHaveLength(0);
  });

  it('knows a CRM without notes', async () => {
    expect(canAttachNotes((await deps({})).crm)).toBe(true);
    expect(canAttachNotes(stubCrm('attach-message-note', {}))).toBe(false);
  });
});
