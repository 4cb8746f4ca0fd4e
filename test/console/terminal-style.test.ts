import { describe, expect, it } from 'vitest';
import { stripAnsi, visibleLength } from '../../src/console/terminal-style.js';

describe('visibleLength', () => {
  it('counts the columns a terminal gives each character', () => {
    expect(visibleLength('Acme renewal')).toBe(12);
    expect(visibleLength('株式会社')).toBe(8);
    expect(visibleLength('🦁 deal')).toBe(7);
    expect(visibleLength('👩‍💻')).toBe(2);
    expect(visibleLength('Café')).toBe(4);
    expect(visibleLength('e\u0301')).toBe(1);
    expect(visibleLength('a\u200Bb')).toBe(2);
  });

  it('ignores colour escape codes', () => {
    const painted = '\u001b[1mbold\u001b[22m';
    expect(stripAnsi(painted)).toBe('bold');
    expect(visibleLength(painted)).toBe(4);
  });
});
