// Safe text for Slack: every piece of untrusted text (deal titles, names, reasons, what a
// person typed) goes through `escapeMrkdwn` before it meets mrkdwn, and every text object
// is built with `plainText`/`mrkdwnText`, which cut to Block Kit's limits. A deal titled
// `<!channel>` pings nobody and `*bold* <http://x|y>` neither formats nor links.

import type { MrkdwnElement, PlainTextElement } from '@slack/types';

const ZWSP = '\u200B';
const ELLIPSIS = '…';

/**
 * Characters untrusted text must not carry into Slack: NUL and the other C0/C1 controls
 * (tab and newline stay), and the bidirectional overrides and isolates, which can make a
 * title read backwards or hide what follows it (`U+202E`).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's job
const UNSAFE_CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/** Any character `escapeMrkdwn` changes or looks at: those controls, `& < >`, the markers, `@`. */
const NEEDS_ESCAPING = new RegExp(`${UNSAFE_CONTROLS.source.slice(0, -1)}&<>*_~\`@]`);

/** Untrusted text without control characters or direction overrides; everything else unchanged. */
export function stripControls(text: string): string {
  return text.replace(UNSAFE_CONTROLS, '');
}

/**
 * Makes untrusted text render literally inside mrkdwn.
 *
 * `&`, `<` and `>` are the only characters Slack lets us escape; they stop `<!channel>`,
 * `<@U1>` and `<http://x|y>` from being parsed. Slack has no escape for `*`, `_`, `~` and
 * `` ` ``, but it only treats them as markers at a word boundary: an opening `*` must follow
 * a space or punctuation, a closing one must be followed by one. A zero-width space on
 * both sides of each marker is neither, so no pair can open or close, while the character
 * still shows (the space is invisible). A `>` at a line start would open a quote even
 * escaped, so it gets a zero-width space in front too. `@here`-style words are split the
 * same way in case a surface still auto-parses them.
 */
export function escapeMrkdwn(text: string): string {
  // Most text (a title, a name) holds none of the characters below: returned as it is.
  if (!NEEDS_ESCAPING.test(text)) return text;
  return stripControls(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[*_~`]/g, (marker) => `${ZWSP}${marker}${ZWSP}`)
    .replace(/^&gt;/gm, `${ZWSP}&gt;`)
    .replace(/@(here|channel|everyone)\b/gi, `@${ZWSP}$1`);
}

/**
 * Text as an inline code span. Slack applies no formatting inside one, so only `&`, `<`
 * and `>` are escaped (no zero-width spaces that a copied command would carry along), and
 * a backtick, which would end the span early, becomes a plain quote.
 */
export function codeSpan(text: string): string {
  const safe = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/`/g, "'");
  return `\`${safe.trim() === '' ? "' '" : safe}\``;
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * Cuts `text` to at most `max` UTF-16 units, ending with `…` when cut. It cuts between
 * graphemes, so neither a surrogate pair nor an emoji sequence is split. Slack counts
 * characters; UTF-16 units are never fewer, so the result is within Slack's limit too.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  const budget = max - ELLIPSIS.length;
  let kept = '';
  for (const { segment } of graphemes.segment(text)) {
    if (kept.length + segment.length > budget) break;
    kept += segment;
  }
  return `${kept.trimEnd()}${ELLIPSIS}`;
}

/**
 * The units an escaped mrkdwn string may not be cut inside: an entity, a `<…>` token
 * (mentions we wrote), a marker with its zero-width spaces, or one code point.
 */
const MRKDWN_UNIT = /&(?:amp|lt|gt);|<[^<>\n]{1,300}>|\u200B[*_~`]\u200B|[\s\S]/gu;

/** Cuts mrkdwn that is already safe to at most `max` units, never inside an entity, a mention or an escaped marker. */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  const budget = max - ELLIPSIS.length;
  let kept = '';
  for (const [unit] of text.matchAll(MRKDWN_UNIT)) {
    if (kept.length + unit.length > budget) break;
    kept += unit;
  }
  return `${kept.trimEnd()}${ELLIPSIS}`;
}

/** Slack refuses empty text objects; a blank label shows as a dash instead. */
const nonEmpty = (text: string): string => (text.trim() === '' ? '—' : text);

/** A plain_text object cut to `max`. Plain text is never parsed, so it needs no escaping. */
export function plainText(text: string, max: number): PlainTextElement {
  return { type: 'plain_text', text: truncate(nonEmpty(stripControls(text)), max), emoji: true };
}

/**
 * A mrkdwn object cut to `max`. `text` must already be safe (escaped untrusted parts).
 * `verbatim` stops Slack from turning bare URLs, `#channel` and `@here` into links or
 * mentions; the `<@U…>` mentions we write ourselves still work.
 */
export function mrkdwnText(text: string, max: number): MrkdwnElement {
  return { type: 'mrkdwn', text: truncateMrkdwn(nonEmpty(text), max), verbatim: true };
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,20}$/;

/** `<@U…>` for a valid Slack user id; anything else is shown as escaped text. */
export function userMention(slackUserId: string): string {
  return SLACK_USER_ID.test(slackUserId) ? `<@${slackUserId}>` : escapeMrkdwn(slackUserId);
}

/**
 * A link we build from a url we trust (a CRM's own address for a deal): `<url|label>`, the
 * label escaped like any text, the url written so Slack reads it back whole — `&` as `&amp;`,
 * and `|`, `<`, `>` and whitespace percent-encoded (a `|` would end the url, a `>` the link).
 * Never for a url a person typed. The Block Kit checker (`slack/block-kit-limits.ts`,
 * `linkTarget`) accepts exactly this form for the urls a test names as ours.
 */
export function mrkdwnLink(url: string, label: string): string {
  return `<${linkTarget(url)}|${escapeMrkdwn(label)}>`;
}

/** A url as it stands inside `<…|…>` (see `mrkdwnLink`). */
export function linkTarget(url: string): string {
  return url.replace(/[|<>\s]/g, (c) => encodeURIComponent(c)).replace(/&/g, '&amp;');
}
