// Splits a quick-create line (`/deal new Acme renewal 12k EUR`) into a title and a value.
// The value is only ever taken from the end of the line, and only when it reads as money,
// so numbers that belong to the title (`Acme 2026 renewal`, `Phase 2`) stay in it.

import { readAmount, type AmountReading, type ParsedAmount } from './amount.js';

/** `EUR 1 234 567` is the longest amount anyone types as separate words. */
const MAX_AMOUNT_TOKENS = 5;

export function parseQuickCreate(line: string): { title: string; value: ParsedAmount | null } {
  const tokens = String(line)
    .replace(/\p{Cc}/gu, ' ')
    .split(/\s+/u)
    .filter((t) => t !== '');

  for (let size = Math.min(MAX_AMOUNT_TOKENS, tokens.length); size >= 1; size--) {
    const reading = readAmount(tokens.slice(-size).join(' '));
    if (!reading || !readsAsMoney(reading)) continue;
    // `Acme renewal - 12k` and `Acme renewal: 12k` leave the dash or colon behind.
    const title = tokens
      .slice(0, tokens.length - size)
      .join(' ')
      .replace(/[\s:;,\-–—=|]+$/u, '');
    return { title, value: { amount: reading.amount, currency: reading.currency } };
  }
  return { title: tokens.join(' '), value: null };
}

/**
 * A number at the end of a title is a value when it is written as money: with a currency
 * symbol or upper-case code, a multiplier (`12k`), thousands separators, or at least 1000
 * and not a year. A lower-case code only counts after the number (`12k eur`): before it,
 * it is far more likely a word (`all`, `top`, `mad` are currency codes too).
 */
function readsAsMoney(r: AmountReading): boolean {
  if (r.currencyWritten === 'lowercase-code' && r.currencyAt === 'before') return false;
  if (r.currencyWritten === 'symbol' || r.currencyWritten === 'code') return true;
  if (r.magnitude || r.grouped) return true;
  const looksLikeYear = r.plainInteger && r.amount >= 1900 && r.amount <= 2099;
  return r.amount >= 1000 && !looksLikeYear;
}
