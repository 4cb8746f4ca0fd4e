import { describe, expect, it } from 'vitest';
import { matchByName, normalizeName } from '../../src/parse/match-name.js';

interface Stage {
  id: string;
  name: string;
}

const stages: Stage[] = [
  { id: '1', name: 'Lead In' },
  { id: '2', name: 'Contact Made' },
  { id: '3', name: 'Needs Defined' },
  { id: '4', name: 'Proposal Made' },
  { id: '5', name: 'Negotiations Started' },
  { id: '6', name: 'Won' },
];

const byName = (query: string, items: readonly Stage[] = stages) => matchByName(query, items, (s) => s.name);
const names = (result: ReturnType<typeof byName>) =>
  result.kind === 'ambiguous' ? result.candidates.map((s) => s.name) : result.kind === 'match' ? result.item.name : null;

describe('normalizeName', () => {
  it.each([
    ['Proposal Made', 'proposal made'],
    ['  Needs   defined ', 'needs defined'],
    ['Négociation', 'negociation'],
    ['ÅNGSTRÖM', 'angstrom'],
    ['Follow-up / call', 'follow up call'],
    ['🔥 Hot lead', 'hot lead'],
    ['ﬁnal', 'final'],
    ['Q3: deal #2', 'q3 deal 2'],
    ['商談中', '商談中'],
    ['', ''],
    ['!!!', ''],
  ])('%j → %j', (input, output) => {
    expect(normalizeName(input)).toBe(output);
  });
});

describe('matchByName', () => {
  it.each([
    // exact, forgiving case, accents, punctuation
    ['won', 'Won', 'exact'],
    ['WON', 'Won', 'exact'],
    ['proposal made', 'Proposal Made', 'exact'],
    ['proposal-made', 'Proposal Made', 'exact'],
    ['  needs   defined ', 'Needs Defined', 'exact'],
    // prefixes of the name, of a word, of successive words
    ['prop', 'Proposal Made', 'prefix'],
    ['neg', 'Negotiations Started', 'prefix'],
    ['needs def', 'Needs Defined', 'prefix'],
    ['n d', 'Needs Defined', 'prefix'],
    ['started', 'Negotiations Started', 'prefix'],
    ['def', 'Needs Defined', 'prefix'],
    ['Lead', 'Lead In', 'prefix'],
    // typos
    ['propsal', 'Proposal Made', 'typo'],
    ['proposla made', 'Proposal Made', 'typo'],
    ['negotations', 'Negotiations Started', 'typo'],
    ['wno', 'Won', 'typo'],
    ['contcat', 'Contact Made', 'typo'],
    ['neeeds', 'Needs Defined', 'typo'],
  ])('%j → %s (%s)', (query, name, how) => {
    const result = byName(query);
    expect(result).toEqual({ kind: 'match', item: expect.objectContaining({ name }), how });
  });

  it('reports a prefix that fits several names instead of picking one', () => {
    expect(names(byName('ma'))).toEqual(['Contact Made', 'Proposal Made']);
    expect(names(byName('n'))).toEqual(['Needs Defined', 'Negotiations Started']);
  });

  it('reports items whose names only differ by case or accents as ambiguous', () => {
    const twins = [...stages, { id: '7', name: 'won' }, { id: '8', name: 'Wön' }];
    const result = byName('Won', twins);
    expect(result.kind).toBe('ambiguous');
    expect(result.kind === 'ambiguous' && result.candidates.map((s) => s.id)).toEqual(['6', '7', '8']);
  });

  it('prefers an exact name over a longer name it prefixes', () => {
    const items = [
      { id: '1', name: 'Demo' },
      { id: '2', name: 'Demo scheduled' },
    ];
    expect(byName('demo', items)).toEqual({ kind: 'match', item: items[0], how: 'exact' });
    expect(names(byName('dem', items))).toEqual(['Demo', 'Demo scheduled']);
  });

  it('prefers a prefix over a typo', () => {
    const items = [
      { id: '1', name: 'Lost' },
      { id: '2', name: 'Lose-win' },
    ];
    expect(byName('los', items).kind).toBe('ambiguous');
    expect(byName('lost', items)).toMatchObject({ kind: 'match', how: 'exact', item: { id: '1' } });
  });

  it('reports a typo tie, closest first then by name', () => {
    const items = [
      { id: '1', name: 'Bard' },
      { id: '2', name: 'Card' },
      { id: '3', name: 'Cart' },
    ];
    expect(names(byName('xard', items))).toEqual(['Bard', 'Card']);
    const near = [
      { id: '1', name: 'Carats' },
      { id: '2', name: 'Parrots' },
      { id: '3', name: 'Carrot' },
    ];
    expect(names(byName('carrots', near))).toEqual(['Carrot', 'Parrots', 'Carats']);
  });

  it('takes the single closest typo when others are further away', () => {
    const items = [
      { id: '1', name: 'Closing' },
      { id: '2', name: 'Cloning' },
    ];
    expect(byName('closign', items)).toMatchObject({ kind: 'match', how: 'typo', item: { id: '1' } });
  });

  it('allows no typo under 3 characters, 1 up to 5, 2 from 6', () => {
    const items = [
      { id: '1', name: 'ab' },
      { id: '2', name: 'Quote' },
      { id: '3', name: 'Qualified' },
    ];
    expect(byName('xb', items).kind).toBe('none');
    expect(byName('qoute', items)).toMatchObject({ kind: 'match', how: 'typo', item: { id: '2' } });
    expect(byName('qxxte', items).kind).toBe('none');
    expect(byName('qualifeid', items)).toMatchObject({ kind: 'match', how: 'typo', item: { id: '3' } });
    expect(byName('quxlxxied', items).kind).toBe('none');
  });

  it.each([[''], ['   '], ['!!!'], ['zzz'], ['closed lost forever']])('%j matches nothing', (query) => {
    expect(byName(query)).toEqual({ kind: 'none' });
  });

  it('matches nothing in an empty list', () => {
    expect(byName('won', [])).toEqual({ kind: 'none' });
  });

  it('matches names with emoji and non-Latin scripts', () => {
    const items = [
      { id: '1', name: '🔥 Hot' },
      { id: '2', name: '商談中' },
      { id: '3', name: 'Переговоры' },
    ];
    expect(byName('hot', items)).toMatchObject({ kind: 'match', item: { id: '1' } });
    expect(byName('商談', items)).toMatchObject({ kind: 'match', item: { id: '2' }, how: 'prefix' });
    expect(byName('переговры', items)).toMatchObject({ kind: 'match', item: { id: '3' }, how: 'typo' });
  });

  it('stays quick and sane on very long input', () => {
    const long = 'a'.repeat(100_000);
    expect(byName(long).kind).toBe('none');
    expect(matchByName('a', [{ name: long }], (x) => x.name).kind).toBe('match');
  });
});
