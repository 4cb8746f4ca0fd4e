import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeSpan, escapeMrkdwn, mrkdwnText, plainText, truncate, truncateMrkdwn, userMention } from '../../src/ui/mrkdwn.js';
import { displayedText, hasLiveFormatting } from '../helpers/block-kit-limits.js';
import { HOSTILE } from './fixtures.js';

const isLoneSurrogate = (text: string): boolean => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

describe('escapeMrkdwn', () => {
  it('takes its shortcut for text with nothing to change only where the full escaping would change nothing', () => {
    const pieces = ['Acme GmbH', ' ', 'é', '😀', '&', '<', '>', '*', '_', '~', '`', '@here', '@', '\u0000', '\u202E', '\n', '>quote', 'x'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 8 }), fc.string(), (parts, random) => {
        for (const text of [parts.join(''), random]) {
          const escaped = escapeMrkdwn(text);
          // Always what the full escaping gives: a `&` after the text takes that path.
          expect(escapeMrkdwn(`${text}&`)).toBe(`${escaped}&amp;`);
        }
      }),
    );
  });

  it('turns mentions and links into text that reads the same', () => {
    const escaped = escapeMrkdwn(HOSTILE);
    expect(escaped).not.toMatch(/<|>/);
    expect(escaped).toContain('&lt;!channel&gt;');
    expect(escaped).toContain('&amp;');
    expect(displayedText(escaped)).toBe(HOSTILE);
  });

  it('guards every formatting marker so no pair can format', () => {
    const raw = '*bold* _it_ ~gone~ `code` snake_case 2*3';
    const escaped = escapeMrkdwn(raw);
    expect(hasLiveFormatting(escaped, raw)).toBe(false);
    expect(escaped).toContain('\u200B*\u200Bbold\u200B*\u200B');
    expect(displayedText(escaped)).toBe(raw);
  });

  it('keeps a leading > from opening a quote, on every line', () => {
    const escaped = escapeMrkdwn('> quoted\n> again');
    expect(escaped).toBe('\u200B&gt; quoted\n\u200B&gt; again');
  });

  it('splits @here-style words in case a surface parses them', () => {
    expect(escapeMrkdwn('ping @here and @Channel')).toBe('ping @\u200Bhere and @\u200BChannel');
    expect(escapeMrkdwn('ada@example.com')).toBe('ada@example.com');
  });

  it('drops NUL, other control characters and direction overrides a CRM may send, keeping tabs and newlines', () => {
    expect(escapeMrkdwn('Acme\u0000 deal\u0007\u001B[31m\tQ1\nnext\u0085')).toBe('Acme deal[31m\tQ1\nnext');
    expect(escapeMrkdwn('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(escapeMrkdwn('\u2066isolated\u2069 ok')).toBe('isolated ok');
    expect(escapeMrkdwn('Ünïcødé — €12k 🦁 عربى')).toBe('Ünïcødé — €12k 🦁 عربى');
  });

  it('escapes & before anything else, so entities in the input stay literal', () => {
    expect(displayedText(escapeMrkdwn('&lt;b&gt; &amp;'))).toBe('&lt;b&gt; &amp;');
  });
});

describe('truncate', () => {
  it('keeps short text as it is', () => {
    expect(truncate('Acme', 10)).toBe('Acme');
  });

  it('cuts to the limit with an ellipsis', () => {
    const cut = truncate('a'.repeat(200), 150);
    expect(cut).toHaveLength(150);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('never splits a surrogate pair or an emoji sequence', () => {
    for (let max = 2; max < 40; max++) {
      const cut = truncate('🚀'.repeat(30), max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(isLoneSurrogate(cut)).toBe(false);
    }
    const family = '👩‍👩‍👧‍👦';
    const cut = truncate(`ab${family}${family}`, 14);
    expect(cut).toBe(`ab${family}…`);
  });
});

describe('truncateMrkdwn', () => {
  it('never cuts inside an entity, a mention or a guarded marker', () => {
    const text = `${escapeMrkdwn('<<&&**__')} <@U12345> ${escapeMrkdwn('<<&&')}`;
    for (let max = 1; max < text.length; max++) {
      const cut = truncateMrkdwn(text, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      const body = cut.replace(/…$/, '');
      expect(body).not.toMatch(/&(?!(amp|lt|gt);)|&(amp|lt|gt)?$/);
      expect(body).not.toMatch(/<[^>]*$/);
      expect(body).not.toMatch(/\u200B[*_]$/);
    }
  });
});

describe('text objects', () => {
  it('plainText drops control characters and direction overrides too', () => {
    expect(plainText('Acme\u0000\u202E renewal', 150).text).toBe('Acme renewal');
  });

  it('plainText cuts to the limit and is never empty', () => {
    expect(plainText('x'.repeat(100), 75).text).toHaveLength(75);
    expect(plainText('  ', 75).text).toBe('—');
  });

  it('mrkdwnText is verbatim, so Slack does not auto-link or auto-mention', () => {
    const text = mrkdwnText('*Value*', 3000);
    expect(text).toEqual({ type: 'mrkdwn', text: '*Value*', verbatim: true });
    expect(mrkdwnText('a'.repeat(4000), 3000).text).toHaveLength(3000);
  });
});

describe('codeSpan', () => {
  it('keeps a command copyable: no zero-width spaces, no way out of the span', () => {
    expect(codeSpan('/deal new snake_case *x*')).toBe('`/deal new snake_case *x*`');
    expect(codeSpan('a `b` <!here>')).toBe("`a 'b' &lt;!here&gt;`");
  });
});

describe('userMention', () => {
  it('mentions a valid Slack user id', () => {
    expect(userMention('U012ABCDEF')).toBe('<@U012ABCDEF>');
    expect(userMention('W0123ABC')).toBe('<@W0123ABC>');
  });

  it('shows anything else as text', () => {
    expect(userMention('!channel')).toBe('!channel');
    expect(userMention('U1> <!here')).toBe('U1&gt; &lt;!here');
  });
});
