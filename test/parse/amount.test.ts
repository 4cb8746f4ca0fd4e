import { describe, expect, it } from 'vitest';
import { isCurrencyCode, parseAmount, readAmount } from '../../src/parse/amount.js';

describe('parseAmount', () => {
  it.each([
    // plain and shorthand
    ['12000', 12000, null],
    ['12k', 12000, null],
    ['12K', 12000, null],
    ['1.5m', 1_500_000, null],
    ['1.5M', 1_500_000, null],
    ['2.5bn', 2_500_000_000, null],
    ['3b', 3_000_000_000, null],
    ['4mn', 4_000_000, null],
    ['1.5 m', 1_500_000, null],
    ['12 million', 12_000_000, null],
    ['0.1m', 100_000, null],
    ['.5k', 500, null],
    ['1.125m', 1_125_000, null],
    ['0', 0, null],
    // separators
    ['12,000', 12000, null],
    ['1,234,567', 1_234_567, null],
    ['1,234.56', 1234.56, null],
    ['12.000,50', 12000.5, null],
    ['1.234.567', 1_234_567, null],
    ['12.000', 12000, null],
    ['12,5', 12.5, null],
    ['12.50', 12.5, null],
    ['0,500', 0.5, null],
    ['1,5k', 1500, null],
    ['12 000', 12000, null],
    ['1 234 567,89', 1_234_567.89, null],
    ["1'234'567.50", 1_234_567.5, null],
    ['1’000', 1000, null],
    ['12\u00a0000', 12000, null],
    ['12\u202f000 €', 12000, 'EUR'],
    // currencies
    ['€12000', 12000, 'EUR'],
    ['€ 12 000', 12000, 'EUR'],
    ['12000€', 12000, 'EUR'],
    ['12k€', 12000, 'EUR'],
    ['$5k', 5000, 'USD'],
    ['£1.2m', 1_200_000, 'GBP'],
    ['¥300k', 300_000, 'JPY'],
    ['₹5 000', 5000, 'INR'],
    ['US$5k', 5000, 'USD'],
    ['C$1,000', 1000, 'CAD'],
    ['A$1k', 1000, 'AUD'],
    ['12 US$', 12, 'USD'],
    ['12k EUR', 12000, 'EUR'],
    ['EUR 12k', 12000, 'EUR'],
    ['12kEUR', 12000, 'EUR'],
    ['USD12k', 12000, 'USD'],
    ["CHF 1'250.50", 1250.5, 'CHF'],
    ['12 000 SEK', 12000, 'SEK'],
    ['12MXN', 12, 'MXN'],
    ['12k eur', 12000, 'EUR'],
    ['eur 12k', 12000, 'EUR'],
    ['$5k USD', 5000, 'USD'],
    ['  €12k  ', 12000, 'EUR'],
    // full-width input from Japanese keyboards
    ['１２ｋ', 12000, null],
    ['￥５０００', 5000, 'JPY'],
    // rounding to cents, half up, on the decimal digits
    ['0.125', 0.13, null],
    ['0.115', 0.12, null],
    ['19.9999', 20, null],
    ['19.999', 19999, null], // one `.` before exactly 3 digits groups thousands, as in `€12.000`
    ['1,2345k', 1234.5, null],
    ['999bn', 999_000_000_000, null],
  ])('%j → %d %s', (text, amount, currency) => {
    expect(parseAmount(text)).toEqual({ amount, currency });
  });

  it.each([
    [''],
    ['   '],
    ['abc'],
    ['Acme'],
    ['€'],
    ['k'],
    ['12.'],
    ['-5'],
    ['-5k'],
    ['−5'],
    ['(500)'],
    ['1e5'],
    ['12.5.2024'],
    ['12 5'],
    ['1,,000'],
    ['1,00,000'],
    ['1,234 567'],
    ['12 000k'], // thousands separators next to a multiplier read two ways
    ['1,500k'], // 1.5k or 1.5m?
    ['€12k USD'], // two different currencies
    ['12 XYZ'], // not an ISO code
    ['12 euros'],
    ['12k bananas'],
    ['99999999bn'], // beyond any deal
    ['12k 🚀'],
    ['Infinity'],
    ['NaN'],
    ['0x10'],
    ['1'.repeat(200)],
  ])('%j is not an amount', (text) => {
    expect(parseAmount(text)).toBeNull();
  });
});

describe('readAmount', () => {
  it('says how the amount was written, so free text can tell money from numbers', () => {
    expect(readAmount('12k')).toMatchObject({ magnitude: true, grouped: false, plainInteger: false, currencyWritten: null });
    expect(readAmount('2026')).toMatchObject({ plainInteger: true, magnitude: false, grouped: false });
    expect(readAmount('12,000')).toMatchObject({ grouped: true, plainInteger: false });
    expect(readAmount('€5')).toMatchObject({ currencyWritten: 'symbol', currencyAt: 'before' });
    expect(readAmount('5 EUR')).toMatchObject({ currencyWritten: 'code', currencyAt: 'after' });
    expect(readAmount('all 5')).toMatchObject({ currency: 'ALL', currencyWritten: 'lowercase-code', currencyAt: 'before' });
  });
});

describe('isCurrencyCode', () => {
  it.each(['EUR', 'USD', 'GBP', 'JPY', 'CHF', 'SEK', 'BRL'])('%s is a currency', (code) => {
    expect(isCurrencyCode(code)).toBe(true);
  });
  it.each(['eur', 'Eur', 'EURO', 'EU', 'XYZ', 'ABC', '', ' EUR', '€', '123'])('%j is not a currency code', (code) => {
    expect(isCurrencyCode(code)).toBe(false);
  });
});
