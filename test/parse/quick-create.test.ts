import { describe, expect, it } from 'vitest';
import { parseQuickCreate } from '../../src/parse/quick-create.js';

describe('parseQuickCreate', () => {
  it.each([
    ['Acme renewal 12k EUR', 'Acme renewal', { amount: 12000, currency: 'EUR' }],
    ['Acme renewal €12000', 'Acme renewal', { amount: 12000, currency: 'EUR' }],
    ['Acme renewal EUR 12k', 'Acme renewal', { amount: 12000, currency: 'EUR' }],
    ['Acme renewal 12kEUR', 'Acme renewal', { amount: 12000, currency: 'EUR' }],
    ['Acme renewal 12k', 'Acme renewal', { amount: 12000, currency: null }],
    ['Acme renewal 12k eur', 'Acme renewal', { amount: 12000, currency: 'EUR' }],
    ['Acme renewal 12 000 EUR', 'Acme renewal', { amount: 12000, currency: 'EUR' }],
    ['Acme renewal EUR 1 234 567', 'Acme renewal', { amount: 1_234_567, currency: 'EUR' }],
    ['Acme renewal 12,000', 'Acme renewal', { amount: 12000, currency: null }],
    ['Acme renewal 12000', 'Acme renewal', { amount: 12000, currency: null }],
    ['Acme renewal $1.5m', 'Acme renewal', { amount: 1_500_000, currency: 'USD' }],
    ['Acme renewal 500 EUR', 'Acme renewal', { amount: 500, currency: 'EUR' }],
    ['Acme renewal 2026 EUR', 'Acme renewal', { amount: 2026, currency: 'EUR' }],
    ['Acme 2026 renewal 50k', 'Acme 2026 renewal', { amount: 50000, currency: null }],
    ['Acme 2026 12k', 'Acme 2026', { amount: 12000, currency: null }],
    ['Acme renewal - 12k', 'Acme renewal', { amount: 12000, currency: null }],
    ['Acme renewal: €12k', 'Acme renewal', { amount: 12000, currency: 'EUR' }],
    ['  Acme   renewal\t\t12k  ', 'Acme renewal', { amount: 12000, currency: null }],
    ['Müller GmbH Ölpumpen 8.500 €', 'Müller GmbH Ölpumpen', { amount: 8500, currency: 'EUR' }],
    ['🚀 Rocket deal 1.2m', '🚀 Rocket deal', { amount: 1_200_000, currency: null }],
    ['東京 商談 ¥300k', '東京 商談', { amount: 300_000, currency: 'JPY' }],
    ['Acme all 12k', 'Acme all', { amount: 12000, currency: null }], // "all" is Albanian lek, but not here
    ['12k EUR', '', { amount: 12000, currency: 'EUR' }],
    ['€5', '', { amount: 5, currency: 'EUR' }],
  ])('%j → %j', (line, title, value) => {
    expect(parseQuickCreate(line)).toEqual({ title, value });
  });

  it.each([
    ['Acme renewal', 'Acme renewal'],
    ['Acme 2026 renewal', 'Acme 2026 renewal'],
    ['Acme renewal 2026', 'Acme renewal 2026'], // a year, not a value
    ['Phase 2', 'Phase 2'],
    ['Top 100', 'Top 100'],
    ['Acme 12.5', 'Acme 12.5'],
    ['Order 5 cup', 'Order 5 cup'], // "cup" is a currency code, "5 cup" is not a deal value
    ['Acme 12k for Q3', 'Acme 12k for Q3'], // the value is only taken from the end
    ['Acme 1,500k', 'Acme 1,500k'], // reads two ways: left for the person to fix
    ['Acme\nrenewal', 'Acme renewal'],
    ['   ', ''],
    ['', ''],
    ['<!channel> *bold*', '<!channel> *bold*'],
  ])('%j has no value; title %j', (line, title) => {
    expect(parseQuickCreate(line)).toEqual({ title, value: null });
  });

  it('handles a very long line', () => {
    const words = 'lorem ipsum '.repeat(5000);
    expect(parseQuickCreate(`${words}12k EUR`)).toEqual({ title: words.trim(), value: { amount: 12000, currency: 'EUR' } });
    expect(parseQuickCreate('x'.repeat(100_000)).value).toBeNull();
  });
});
