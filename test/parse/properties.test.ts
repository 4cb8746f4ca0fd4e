// Properties of the /deal parsers over random input: they are total (any string gets an
// answer, nothing throws) and their answers keep the promises callers build on.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCurrencyCode, parseAmount, readAmount } from '../../src/parse/amount.js';
import { parseDealCommand, parseDealRef } from '../../src/parse/deal-command.js';
import { matchByName, normalizeName } from '../../src/parse/match-name.js';
import { parseQuickCreate } from '../../src/parse/quick-create.js';

/** Lone surrogates and all: what a broken client could send. */
const utf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) });

/** Fragments that exercise the grammar's edges, glued together at random. */
const dealish = fc
  .array(
    fc.constantFrom(
      '12k',
      '1,5',
      '12.000,50',
      '12 000',
      '2.5bn',
      'EUR',
      'eur',
      'all',
      '€',
      '$',
      'US$',
      '¥',
      '-',
      '.',
      ',',
      ':',
      "'",
      'k',
      'm',
      'bn',
      '0',
      '42',
      '#42',
      '2026',
      'move',
      'MOVE',
      'to',
      'TO',
      '→',
      '->',
      '=>',
      'lost',
      'because',
      'won',
      'new',
      'help',
      '?',
      'show',
      'find',
      '&amp;',
      '&lt;',
      '&gt;',
      '<@U1|ada>',
      '<!channel>',
      '<',
      '>',
      '|',
      '"',
      '“',
      '`',
      '\n',
      '\t',
      '\u0000',
      '\u200b',
      '\u00a0',
      '🚀',
      '👩‍👩‍👧',
      'é',
      'e\u0301',
      'İ',
      '東京',
      'ﬁ',
      '１２',
    ),
    { maxLength: 12 },
  )
  .chain((parts) => fc.constantFrom(parts.join(' '), parts.join('')));

const anyText = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'binary-ascii' }),
  fc.string({ unit: 'grapheme' }),
  utf16,
  dealish,
);

const runs = { numRuns: 600 };

function isEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

describe('no parser throws, whatever the text', () => {
  it('parseAmount, readAmount, isCurrencyCode', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        parseAmount(text);
        readAmount(text);
        isCurrencyCode(text);
      }),
      runs,
    );
  });

  it('parseQuickCreate', () => {
    fc.assert(
      fc.property(anyText, (text) => void parseQuickCreate(text)),
      runs,
    );
  });

  it('parseDealCommand and parseDealRef', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const command = parseDealCommand(text);
        expect(command.kind).toBeTypeOf('string');
        parseDealRef(text);
      }),
      runs,
    );
  });

  it('normalizeName and matchByName', () => {
    fc.assert(
      fc.property(anyText, fc.array(anyText, { maxLength: 8 }), (query, names) => {
        normalizeName(query);
        matchByName(query, names, (n) => n);
      }),
      runs,
    );
  });
});

describe('parseAmount', () => {
  it('never gives a negative, NaN or infinite amount, nor more than 2 decimals, nor an unknown currency', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, dealish), (text) => {
        const parsed = parseAmount(text);
        if (!parsed) return;
        expect(Number.isFinite(parsed.amount)).toBe(true);
        expect(parsed.amount).toBeGreaterThanOrEqual(0);
        expect(Math.round(parsed.amount * 100) / 100).toBe(parsed.amount);
        if (parsed.currency !== null) expect(isCurrencyCode(parsed.currency)).toBe(true);
      }),
      runs,
    );
  });

  it('reads back the thousands it was given, however they are written', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999 }), fc.constantFrom('k', 'K', ' k'), (n, k) => {
        expect(parseAmount(`${n}${k}`)).toEqual({ amount: n * 1000, currency: null });
        expect(parseAmount(`€${n}${k}`)).toEqual({ amount: n * 1000, currency: 'EUR' });
        expect(parseAmount(`${n}${k} USD`)).toEqual({ amount: n * 1000, currency: 'USD' });
        expect(parseAmount((n * 1000).toLocaleString('en-US'))).toEqual({ amount: n * 1000, currency: null });
        expect(parseAmount((n * 1000).toLocaleString('de-DE'))).toEqual({ amount: n * 1000, currency: null });
        expect(parseAmount((n * 1000).toLocaleString('fr-FR'))).toEqual({ amount: n * 1000, currency: null });
      }),
      runs,
    );
  });
});

// A title word that is a currency code (`Acme EUR 12k`) rightly joins the amount, so none here.
const titleWord = fc.stringMatching(/^[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'&]{0,11}$/).filter((w) => !isCurrencyCode(w.toUpperCase()));
const amountToken = fc
  .tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom('{n}k', '€{n}', '{n}k EUR', 'USD {n}k', '{n},000', '${n}k', '{n} 000 €'))
  .map(([n, shape]) => shape.replace('{n}', String(n)));

describe('parseQuickCreate', () => {
  it('takes the amount off the end of a title and leaves the title whole', () => {
    fc.assert(
      fc.property(fc.array(titleWord, { minLength: 1, maxLength: 6 }), amountToken, (words, amount) => {
        const title = words.join(' ');
        const parsed = parseQuickCreate(`${title} ${amount}`);
        expect(parsed.title).toBe(title);
        expect(parsed.value).toEqual(parseAmount(amount));
        expect(parsed.title).not.toContain(amount);
      }),
      runs,
    );
  });

  it('never leaves the amount it took in the title, and the title is tidy', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, dealish), (line) => {
        const { title, value } = parseQuickCreate(line);
        expect(title).toBe(title.trim());
        expect(title).not.toMatch(/\s\s|\p{Cc}/u);
        if (!value) return;
        // The line splits into the title's words (plus a dash or colon dropped before the
        // amount) and the amount's words: no word of the amount is left in the title.
        const tokens = line
          .replace(/\p{Cc}/gu, ' ')
          .split(/\s+/u)
          .filter(Boolean);
        const splits = tokens.map((_, at) => ({ head: tokens.slice(0, at).join(' '), tail: tokens.slice(at).join(' ') }));
        const split = splits.find(
          ({ head, tail }) =>
            head.startsWith(title) && /^[\s:;,\-–—=|]*$/u.test(head.slice(title.length)) && isEqual(parseAmount(tail), value),
        );
        expect(split).toBeDefined();
      }),
      runs,
    );
  });
});

describe('matchByName', () => {
  const items = fc.array(fc.record({ name: fc.oneof(anyText, titleWord) }), { maxLength: 10 });

  it("answers 'match' only with an item of the list, 'ambiguous' only with two or more of them", () => {
    fc.assert(
      fc.property(fc.oneof(anyText, titleWord), items, (query, list) => {
        const result = matchByName(query, list, (i) => i.name);
        if (result.kind === 'match') expect(list).toContain(result.item);
        if (result.kind === 'ambiguous') {
          expect(result.candidates.length).toBeGreaterThanOrEqual(2);
          expect(new Set(result.candidates).size).toBe(result.candidates.length);
          for (const c of result.candidates) expect(list).toContain(c);
        }
      }),
      runs,
    );
  });

  it('always finds a name typed exactly, or says which others share it', () => {
    fc.assert(
      fc.property(items, fc.nat(), (list, pick) => {
        const wanted = list[pick % Math.max(list.length, 1)];
        fc.pre(wanted !== undefined && normalizeName(wanted.name) !== '');
        if (!wanted) return;
        const result = matchByName(wanted.name, list, (i) => i.name);
        if (result.kind === 'match') expect(result).toEqual({ kind: 'match', item: wanted, how: 'exact' });
        else expect(result.kind === 'ambiguous' && result.candidates).toContain(wanted);
      }),
      runs,
    );
  });
});

describe('parseDealCommand', () => {
  it('round-trips an id however it is typed', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,30}$/), fc.constantFrom('{id}', '#{id}', ' #{id} ', 'show {id}', 'show #{id}'), (id, shape) => {
        expect(parseDealCommand(shape.replace('{id}', id))).toEqual({ kind: 'show', ref: { kind: 'id', id } });
        expect(parseDealRef(`#${id}`)).toEqual({ kind: 'id', id });
      }),
      runs,
    );
  });

  const moveWord = fc
    .string({ unit: fc.constantFrom(...Array.from('abcxyzTOtoéüßø東京🚀0123456789.-_!')), minLength: 1, maxLength: 10 })
    .filter((w) => w.toLowerCase() !== 'to');
  const phrase = fc.array(moveWord, { minLength: 1, maxLength: 5 }).map((ws) => ws.join(' '));

  it('`move X to Y` moves X to exactly Y', () => {
    fc.assert(
      fc.property(phrase, phrase, fc.constantFrom(' to ', ' TO ', ' → ', '->'), (deal, stage, to) => {
        expect(parseDealCommand(`move ${deal}${to}${stage}`)).toEqual({ kind: 'move', ref: parseDealRef(deal), stage });
      }),
      runs,
    );
  });

  it('`lost X because R` keeps the reason as typed', () => {
    fc.assert(
      fc.property(phrase, phrase, (deal, reason) => {
        fc.pre(!/(^|\s)because(\s|$)/i.test(deal));
        expect(parseDealCommand(`lost ${deal} because ${reason}`)).toEqual({ kind: 'lost', ref: parseDealRef(deal), reason });
      }),
      runs,
    );
  });
});
