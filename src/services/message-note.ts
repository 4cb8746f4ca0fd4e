// A Slack message turned into CRM words, for the "Create deal from message" and "Attach to
// deal" shortcuts: a deal title from its first line, the message as plain text (Slack's
// `<@U1>`, `<url|label>` and `&lt;` markup read the way a person sees them), and the note
// the CRM keeps: that text, who wrote it, when, and the permalink back to it.

import { DateTime } from 'luxon';
import type { CrmClient, WriteOptions } from '../crm/port.js';
import { CrmUnsupportedError } from '../errors.js';
import { parseQuickCreate } from '../parse/quick-create.js';
import type { SlackDirectory } from './slack-directory.js';

/** Where a message is, and who wrote it; small enough for a modal's private_metadata. */
export interface MessageSource {
  channelId: string;
  ts: string;
  /** The thread the message is in (its parent's ts), or null when it is not a reply. */
  threadTs: string | null;
  /** The Slack user who wrote it; null for a bot or an integration. */
  authorId: string | null;
  /** A bot's display name, when there is no author id. */
  authorName: string | null;
}

/** What Slack tells about a message besides its text: its author's name and its permalink. */
export interface MessageDetails {
  authorName: string;
  permalink: string | null;
}

/** A title cut here still reads as a title; the whole message goes into the note. */
export const MESSAGE_TITLE_MAX = 80;
/** The note field of a modal is a plain-text input, which holds at most 3000 characters. */
export const NOTE_TEXT_MAX = 3000;
/** Mentions named in a note; past this the ids stay as they are (one users.info each). */
const MENTIONS_NAMED_MAX = 10;

const ELLIPSIS = '…';

function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * The message as a person reads it in Slack: `<@U1>` becomes `@Name` (from `names`, else
 * `@U1`), `<#C1|sales>` `#sales`, `<!here>` `@here`, `<https://x|label>` `label (https://x)`
 * (or only `label` with `linkLabelsOnly`, for titles), and the entities decoded.
 */
export function plainMessageText(
  text: string,
  names: ReadonlyMap<string, string> = new Map(),
  options: { linkLabelsOnly?: boolean } = {},
): string {
  const tokens = text.replace(/<([^<>\n]+)>/g, (_all, inner: string) => {
    const bar = inner.indexOf('|');
    const target = bar >= 0 ? inner.slice(0, bar) : inner;
    const label = bar >= 0 ? inner.slice(bar + 1) : null;
    if (target.startsWith('@')) {
      const id = target.slice(1);
      return `@${names.get(id) ?? label?.replace(/^@/, '') ?? id}`;
    }
    if (target.startsWith('#')) return `#${label?.replace(/^#/, '') ?? target.slice(1)}`;
    if (target.startsWith('!')) {
      if (label) return label;
      const command = target.slice(1).split('^')[0] ?? '';
      return ['here', 'channel', 'everyone'].includes(command) ? `@${command}` : '';
    }
    const url = target.replace(/^mailto:/, '');
    if (!label || label === target || label === url) return url;
    return options.linkLabelsOnly ? label : `${label} (${url})`;
  });
  return decodeEntities(tokens);
}

/** The user ids a message mentions (`<@U1>`), first ones first, each once. */
export function mentionedUserIds(text: string): string[] {
  const ids = [...text.matchAll(/<@([UW][A-Z0-9]{2,20})(?:\|[^>]*)?>/g)].map((m) => m[1] ?? '');
  return [...new Set(ids.filter(Boolean))].slice(0, MENTIONS_NAMED_MAX);
}

/** Cuts at a word boundary when there is one in the last fifth, so a title does not end mid-word. */
function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const budget = max - ELLIPSIS.length;
  const hard = [...text].slice(0, budget).join('');
  const space = hard.lastIndexOf(' ');
  const cut = space >= budget * 0.8 ? hard.slice(0, space) : hard;
  return `${cut.trimEnd()}${ELLIPSIS}`;
}

/**
 * A mrkdwn span Slack would format: `*bold*`, `_italic_`, `~strike~`, `` `code` ``, opened
 * after a line start, a space or an opening bracket and closed before a space, punctuation
 * or the line end, with no space just inside the markers. Markers inside a word stay, as
 * Slack shows them: `PO_4506904380`, `:lion_face:`, `2*3*4`.
 */
const MRKDWN_SPAN = /(^|[\s([{"'])([*_~`])(?!\s)(.+?)(?<!\s)\2(?=$|[\s)\]}.,;:!?"'])/g;

/**
 * A deal title from the message: its first line with text, without list bullets, quote
 * marks or mrkdwn markers, spaces collapsed, cut to `MESSAGE_TITLE_MAX` at a word boundary.
 * Empty when the message has no words (an image, a file).
 */
export function titleFromMessage(text: string): string {
  const firstLine =
    plainMessageText(text, new Map(), { linkLabelsOnly: true })
      .split(/\r?\n/)
      .map((line) =>
        line
          .replace(/^\s*(?:>+|[-•◦▪*]|\d+[.)])\s+/, '')
          .replace(MRKDWN_SPAN, '$1$3')
          .replace(/\s+/g, ' ')
          .trim(),
      )
      .find((line) => line !== '') ?? '';
  return cutAtWord(firstLine, MESSAGE_TITLE_MAX);
}

/** A legacy attachment as a message carries it (bots and integrations still post them). */
export interface MessageAttachment {
  pretext?: string;
  title?: string;
  text?: string;
  fallback?: string;
  fields?: Array<{ title?: string; value?: string }>;
}

/**
 * Everything a person reads in a message: its text, then each legacy attachment's pretext,
 * title, text (its fallback when it has none) and fields. A bot message often has an empty
 * `text` and all its words in attachments.
 */
export function messageBodyText(message: { text?: unknown; attachments?: unknown }): string {
  const text = typeof message.text === 'string' ? message.text : '';
  const attachments = Array.isArray(message.attachments) ? (message.attachments as MessageAttachment[]) : [];
  const parts = attachments.flatMap((a) => {
    if (typeof a !== 'object' || a === null) return [];
    const body = a.text || (a.title ? '' : a.fallback);
    const fields = (a.fields ?? []).map((f) => [f.title, f.value].filter(Boolean).join(': '));
    return [a.pretext, a.title, body, ...fields].filter((part): part is string => typeof part === 'string' && part.trim() !== '');
  });
  return [text, ...parts].filter((part) => part.trim() !== '').join('\n');
}

/** The text a note field starts with: the whole message, within the input's limit. */
export function noteTextFromMessage(text: string, names?: ReadonlyMap<string, string>): string {
  return cutAtWord(plainMessageText(text, names).trim(), NOTE_TEXT_MAX);
}

/**
 * The note the CRM keeps: what the person left of the message, then where it came from.
 * `zone` is the reader's, so "when" reads in their time.
 */
export function messageNote(text: string, source: { ts: string }, details: MessageDetails, zone: string): string {
  const posted = DateTime.fromSeconds(Number(source.ts), { zone });
  const when = posted.isValid ? posted.toFormat('d LLL yyyy, HH:mm ZZZZ') : null;
  const origin = `— ${details.authorName} in Slack${when ? `, ${when}` : ''}`;
  return [text.trim(), '', origin, ...(details.permalink ? [details.permalink] : [])].join('\n').trim();
}

/**
 * Asks Slack for the author's name and the permalink. Neither is worth failing the note
 * for: an unknown author is "someone", a missing permalink is left out.
 */
export async function describeMessage(slack: SlackDirectory, source: MessageSource): Promise<MessageDetails> {
  const [authorName, permalink] = await Promise.all([
    source.authorId
      ? slack.person(source.authorId).then(
          (person) => person.name,
          () => source.authorName ?? 'someone',
        )
      : Promise.resolve(source.authorName ?? 'a bot'),
    slack.permalink(source).then(
      (permalink) => permalink,
      () => null,
    ),
  ]);
  return { authorName, permalink };
}

/** Names of the people a message mentions, for `plainMessageText`; unknown ids are skipped. */
export async function mentionNames(slack: SlackDirectory, text: string): Promise<Map<string, string>> {
  const ids = mentionedUserIds(text);
  const found = await Promise.all(
    ids.map((id) =>
      slack.person(id).then(
        (p) => [id, p.name] as const,
        () => null,
      ),
    ),
  );
  return new Map(found.filter((entry): entry is readonly [string, string] => entry !== null));
}

/**
 * The note the CRM keeps for `note`, in the words of the person adding it: who wrote the
 * message and when (in the adder's zone), and its permalink.
 */
export async function noteForDeal(slack: SlackDirectory, source: MessageSource, note: string, adderId: string): Promise<string> {
  const [details, adder] = await Promise.all([describeMessage(slack, source), slack.person(adderId)]);
  return messageNote(note, source, details, adder.tz);
}

/**
 * What a new deal made from a message starts with: its first line as the title, and an
 * amount at the end of that line as the value, as `/deal new` reads a line ("Sell Initech
 * the premium plan, 20k EUR").
 */
export function dealDraftFromMessage(text: string): { title?: string; value?: string; currency?: string } {
  const line = titleFromMessage(text);
  const quick = parseQuickCreate(line);
  const title = quick.value && quick.title ? quick.title.replace(/[\s,;:–—-]+$/u, '') : line;
  return {
    ...(title ? { title } : {}),
    ...(quick.value && quick.title
      ? { value: String(quick.value.amount), ...(quick.value.currency ? { currency: quick.value.currency } : {}) }
      : {}),
  };
}

/** Adds the note through the CRM, or says plainly that this CRM keeps no notes. */
export async function addDealNote(crm: CrmClient, dealId: string, note: string, options?: WriteOptions): Promise<void> {
  if (!crm.addNote) throw new CrmUnsupportedError('notes on deals', { crm: crm.displayName });
  await crm.addNote(dealId, note, options);
}
