// Reads a deal value the way people type it in chat: `12k`, `1.5m`, `€12,000`, `12.000,50`,
// `12 000 EUR`, `USD12k`, `2.5bn`. Pure; no locale is assumed, so separators are read by
// shape (see `readNumber`) and anything that could mean two different amounts is refused.

export interface ParsedAmount {
  amount: number;
  /** ISO 4217 code when the text named a currency, null when it left it to the caller. */
  currency: string | null;
}

/**
 * What `readAmount` saw besides the amount, so a caller reading free text (quick create)
 * can tell a value someone meant (`12k`, `€500`) from a number that is just part of a
 * title (`Phase 2`, `2026`).
 */
export interface AmountReading extends ParsedAmount {
  /** How the currency was written: a symbol, an upper-case code, a code with lower-case letters. */
  currencyWritten: 'symbol' | 'code' | 'lowercase-code' | null;
  currencyAt: 'before' | 'after' | null;
  /** A `k`, `m`, `bn`… multiplier was used. */
  magnitude: boolean;
  /** Thousands separators were used (`12,000`, `12 000`). */
  grouped: boolean;
  /** Only digits: no separator, no multiplier. */
  plainInteger: boolean;
}

/** Amounts above this are typos or pasted ids, not deal values. */
const MAX_AMOUNT_CENTS = 10n ** 17n;
/** Longer text is not an amount; refusing it early keeps the parser cheap on pasted text. */
const MAX_LENGTH = 64;

// Longest first: `US$` must win over `$`. `$` means USD and `¥` JPY, the readings most
// people expect in a sales team; other dollars and yen have their own prefix or code.
const CURRENCY_SYMBOLS: ReadonlyArray<readonly [symbol: string, code: string]> = [
  ['US$', 'USD'],
  ['CA$', 'CAD'],
  ['AU$', 'AUD'],
  ['NZ$', 'NZD'],
  ['HK$', 'HKD'],
  ['C$', 'CAD'],
  ['A$', 'AUD'],
  ['S$', 'SGD'],
  ['R$', 'BRL'],
  ['€', 'EUR'],
  ['$', 'USD'],
  ['£', 'GBP'],
  ['¥', 'JPY'],
  ['₹', 'INR'],
  ['₩', 'KRW'],
  ['₪', 'ILS'],
  ['₺', 'TRY'],
  ['₽', 'RUB'],
  ['₴', 'UAH'],
  ['₦', 'NGN'],
  ['₱', 'PHP'],
  ['₫', 'VND'],
  ['฿', 'THB'],
];

const MAGNITUDES: Readonly<Record<string, number>> = {
  k: 3,
  thousand: 3,
  m: 6,
  mn: 6,
  million: 6,
  b: 9,
  bn: 9,
  billion: 9,
};

let currencyCodes: ReadonlySet<string> | undefined;

/** True for an ISO 4217 code this runtime knows (`EUR`, `CHF`); upper case only, as CRMs expect. */
export function isCurrencyCode(code: string): boolean {
  currencyCodes ??= new Set(Intl.supportedValuesOf('currency'));
  return typeof code === 'string' && /^[A-Z]{3}$/.test(code) && currencyCodes.has(code);
}

/** The amount in `text`, or null when `text` is not (only) an amount. Never negative; 2 decimals. */
export function parseAmount(text: string): ParsedAmount | null {
  const reading = readAmount(text);
  return reading && { amount: reading.amount, currency: reading.currency };
}

interface CurrencyMark {
  code: string;
  written: 'symbol' | 'code' | 'lowercase-code';
}

/** `parseAmount` with the details of how the amount was written. */
export function readAmount(text: string): AmountReading | null {
  if (typeof text !== 'string' || text.length > MAX_LENGTH * 4) return null;
  // NFKC folds full-width digits and letters (`１２ｋ`) and no-break spaces into plain ones.
  let rest = text.normalize('NFKC').trim();
  if (rest.length === 0 || rest.length > MAX_LENGTH) return null;

  const before = currencyBefore(rest);
  if (before) rest = before.rest;
  const after = currencyAfter(rest);
  if (after) rest = after.rest;
  if (before && after && before.mark.code !== after.mark.code) return null;
  const mark = before?.mark ?? after?.mark ?? null;

  let exponent = 0;
  const withMagnitude = /^(.*\d)\s*(k|thousand|mn|m|million|bn|b|billion)$/i.exec(rest);
  if (withMagnitude) {
    rest = withMagnitude[1] ?? '';
    exponent = MAGNITUDES[(withMagnitude[2] ?? '').toLowerCase()] ?? 0;
  }

  const number = readNumber(rest, exponent > 0);
  if (!number) return null;
  const cents = toCents(number.integer, number.fraction, exponent);
  if (cents === null) return null;

  return {
    amount: Number(cents) / 100,
    currency: mark?.code ?? null,
    currencyWritten: mark?.written ?? null,
    currencyAt: before ? 'before' : after ? 'after' : null,
    magnitude: exponent > 0,
    grouped: number.grouped,
    plainInteger: /^\d+$/.test(rest) && exponent === 0,
  };
}

function currencyBefore(text: string): { mark: CurrencyMark; rest: string } | null {
  for (const [symbol, code] of CURRENCY_SYMBOLS) {
    if (text.startsWith(symbol)) return { mark: { code, written: 'symbol' }, rest: text.slice(symbol.length).trimStart() };
  }
  const letters = /^([A-Za-z]{3})(?![A-Za-z])/.exec(text)?.[1];
  const mark = letters && codeMark(letters);
  return mark ? { mark, rest: text.slice(3).trimStart() } : null;
}

function currencyAfter(text: string): { mark: CurrencyMark; rest: string } | null {
  for (const [symbol, code] of CURRENCY_SYMBOLS) {
    if (text.endsWith(symbol) && text.length > symbol.length) {
      return { mark: { code, written: 'symbol' }, rest: text.slice(0, -symbol.length).trimEnd() };
    }
  }
  const match = /([A-Za-z]{3})$/.exec(text);
  const letters = match?.[1];
  if (!letters) return null;
  const head = text.slice(0, -3);
  // The code may follow a multiplier directly (`12kEUR`) but must not be the end of a word (`12 million`).
  const separated = head === '' || !/[A-Za-z]$/.test(head) || /\d\s*(k|mn|m|bn|b)$/i.test(head);
  const mark = separated ? codeMark(letters) : null;
  return mark ? { mark, rest: head.trimEnd() } : null;
}

function codeMark(letters: string): CurrencyMark | null {
  const code = letters.toUpperCase();
  if (!isCurrencyCode(code)) return null;
  return { code, written: letters === code ? 'code' : 'lowercase-code' };
}

interface NumberParts {
  integer: string;
  fraction: string;
  grouped: boolean;
}

const GROUP_ONLY = /[ '\u2019]/;

/**
 * Splits a number into digits before and after the decimal separator, deciding what `.`
 * and `,` mean by shape, as a reader would:
 * - both present (`12.000,50`, `1,234.5`): the last one is the decimal separator;
 * - one of them repeated (`1,234,567`): thousands separators;
 * - one of them once: thousands when exactly 3 digits follow a 1–3 digit head (`12,000`,
 *   `12.000`), else decimal (`12,5`, `1.25`, `0.500`). With a multiplier it is decimal
 *   (`1,5k`, `1.125m`), except `,` + 3 digits (`1,500k`), which reads both ways and is refused;
 * - spaces and apostrophes (`12 000`, `1'000'000`) only ever group thousands.
 * Thousands separators must sit every 3 digits, and are refused next to a multiplier.
 */
function readNumber(text: string, hasMagnitude: boolean): NumberParts | null {
  const s = /^[.,]\d/.test(text) ? `0${text}` : text;
  if (!/^\d[\d.,'\u2019 ]*$/.test(s) || /\D$/.test(s) || /\D\D/.test(s)) return null;
  const separators = [...s.matchAll(/\D/g)].map((m) => ({ char: m[0], at: m.index }));
  const last = separators.at(-1);
  if (!last) return { integer: s, fraction: '', grouped: false };

  let decimalAt = -1;
  if (!GROUP_ONLY.test(last.char) && !separators.slice(0, -1).some((sep) => sep.char === last.char)) {
    if (separators.length > 1) {
      decimalAt = last.at;
    } else {
      const digitsAfter = s.length - last.at - 1;
      const looksGrouped = digitsAfter === 3 && last.at <= 3 && !s.startsWith('0');
      if (hasMagnitude && looksGrouped && last.char === ',') return null;
      decimalAt = looksGrouped && !hasMagnitude ? -1 : last.at;
    }
  }

  const integerText = decimalAt >= 0 ? s.slice(0, decimalAt) : s;
  const fraction = decimalAt >= 0 ? s.slice(decimalAt + 1) : '';
  const groupChars = new Set(integerText.replace(/\d/g, ''));
  if (groupChars.size === 0) return { integer: integerText, fraction, grouped: false };
  if (groupChars.size > 1 || hasMagnitude) return null;
  const [groupChar = ''] = groupChars;
  const [head = '', ...groups] = integerText.split(groupChar);
  if (head.length > 3 || head.startsWith('0') || groups.some((g) => g.length !== 3)) return null;
  return { integer: head + groups.join(''), fraction, grouped: true };
}

/** Exact decimal arithmetic on the digits, so `0.125` rounds to 0.13 and `0.1m` is 100000, not 100000.00000000001. */
function toCents(integer: string, fraction: string, exponent: number): bigint | null {
  const digits = integer + fraction;
  const point = integer.length + exponent;
  const padded = digits.padEnd(point + 3, '0');
  const roundUp = (padded[point + 2] ?? '0') >= '5' ? 1n : 0n;
  const cents = BigInt(padded.slice(0, point + 2)) + roundUp;
  return cents > MAX_AMOUNT_CENTS ? null : cents;
}
