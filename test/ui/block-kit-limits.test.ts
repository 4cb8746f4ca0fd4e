// The limits helper must catch what Slack refuses; otherwise every renderer test above
// would pass for nothing.

import { describe, expect, it } from 'vitest';
import { assertWithinBlockKitLimits } from '../helpers/block-kit-limits.js';

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const button = (text: string, action_id: string, value = 'v') => ({ type: 'button', text: { type: 'plain_text', text }, action_id, value });

describe('assertWithinBlockKitLimits', () => {
  it('accepts a small valid message', () => {
    expect(() => assertWithinBlockKitLimits({ text: 'hi <@U123>', blocks: [section('*hi* &amp; &lt;')] })).not.toThrow();
  });

  it.each([
    ['51 blocks', { blocks: Array.from({ length: 51 }, () => section('x')) }, /51 blocks/],
    ['a long section', [section('x'.repeat(3001))], /over 3000/],
    ['a long header', [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }], /over 150/],
    ['a long button label', [{ type: 'actions', elements: [button('x'.repeat(76), 'a')] }], /over 75/],
    ['a long button value', [{ type: 'actions', elements: [button('x', 'a', 'v'.repeat(2001))] }], /over 2000/],
    ['26 actions', [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button('x', `a${i}`)) }], /26 elements/],
    ['equal action ids in a block', [{ type: 'actions', elements: [button('x', 'a'), button('y', 'a')] }], /not unique/],
    ['11 fields', [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'x' })) }], /11 fields/],
    [
      '101 options',
      [
        {
          type: 'actions',
          elements: [
            {
              type: 'static_select',
              action_id: 's',
              options: Array.from({ length: 101 }, (_, i) => ({ text: { type: 'plain_text', text: 'o' }, value: String(i) })),
            },
          ],
        },
      ],
      /101 options/,
    ],
    [
      'equal block ids',
      [
        { ...section('a'), block_id: 'b' },
        { ...section('b'), block_id: 'b' },
      ],
      /block_ids are not unique/,
    ],
    ['a live <!channel>', [section('<!channel>')], /special mention/],
    ['a live link', [section('<http://x|y>')], /<http/],
    ['a bare ampersand', [section('a & b')], /unescaped "&"/],
    ['an empty text', [section('')], /empty text/],
    ['a live mention in the fallback text', { text: 'hey <!here>', blocks: [] }, /special mention/],
  ])('refuses %s', (_name, surface, problem) => {
    expect(() => assertWithinBlockKitLimits(surface)).toThrow(problem);
  });

  it('allows 100 blocks in a modal but not 101, and checks the title', () => {
    const modal = (count: number, title = 'New deal') => ({
      type: 'modal',
      title: { type: 'plain_text', text: title },
      blocks: Array.from({ length: count }, () => section('x')),
    });
    expect(() => assertWithinBlockKitLimits(modal(100))).not.toThrow();
    expect(() => assertWithinBlockKitLimits(modal(101))).toThrow(/101 blocks/);
    expect(() => assertWithinBlockKitLimits(modal(1, 'A title far longer than 24'))).toThrow(/over 24/);
  });
});
