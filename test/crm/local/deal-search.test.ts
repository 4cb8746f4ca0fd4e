import { describe, expect, it } from 'vitest';
import { rankRows } from '../../../src/crm/local/deal-search.js';
import type { IndexRow } from '../../../src/crm/local/local-records.js';

const row = (id: string, title: string, extra: Partial<IndexRow> = {}): IndexRow => ({
  id,
  title,
  status: 'open',
  amount: null,
  currency: null,
  probability: null,
  expectedCloseDate: null,
  ownerId: null,
  organizationName: null,
  personName: null,
  updatedAt: 0,
  ...extra,
});

const titles = (rows: IndexRow[], term: string) => rankRows(rows, term).map((r) => r.row.title);

describe('rankRows', () => {
  it('puts a title match above the same match in an organization name', () => {
    const rows = [row('1', 'Support renewal', { organizationName: 'Globex' }), row('2', 'Globex renewal')];
    expect(titles(rows, 'globex')).toEqual(['Globex renewal', 'Support renewal']);
  });

  it('matches fragments inside words only from three letters', () => {
    const rows = [row('1', 'Isaac Newton bundle'), row('2', 'Acme')];
    expect(titles(rows, 'ac')).toEqual(['Acme']);
    expect(titles(rows, 'saa')).toEqual(['Isaac Newton bundle']);
  });

  it('prefers open deals, then the most recently changed, when the match is equal', () => {
    const rows = [
      row('1', 'Acme renewal', { status: 'won', updatedAt: 300 }),
      row('2', 'Acme expansion', { updatedAt: 100 }),
      row('3', 'Acme rollout', { updatedAt: 200 }),
    ];
    expect(titles(rows, 'acme')).toEqual(['Acme rollout', 'Acme expansion', 'Acme renewal']);
  });

  it('treats punctuation as a word break', () => {
    expect(titles([row('1', 'Northwind—CRM/rollout (phase 2)')], 'crm phase 2')).toEqual(['Northwind—CRM/rollout (phase 2)']);
  });
});
