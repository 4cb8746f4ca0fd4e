// The `/pipeline alerts …` grammar. `args` is what follows `alerts`, already read back from
// Slack's markup by `parsePipelineCommand`:
//
//   (nothing)                                     the alerts modal
//   all | won lost | moved won in Sales over 10k  set this channel's alerts
//   list | off [n|all] | help
//
// A set is event words (`new`, `moved`, `won`, `lost`, `reopened`, `value`, `pushed`, or
// `all`) and clauses in any order: `in <pipeline>`, `over|above|>= <amount>`, `to <stage>[,
// <stage>…]` (moved only into those), `by <owner>` (`me` or a name), `batched 15m` / `every
// 15 minutes` / `each`, `quiet 22:00-07:00 [zone]`, `thread`. Without event words every
// event is meant. Pure and total: every mistake is an `invalid` with a typed `problem` (what
// was typed, not a sentence); ui/alert-notices.ts `describeAlertProblem` says it in words.

import { readTimeOfDay } from '../domain/digest-schedule.js';
import { canonicalTimeZone } from '../domain/time-zones.js';
import { looksLikeZone, readZone, tokenize, type Token, type ZoneHint } from './words.js';
import { DEAL_EVENT_KINDS, type DealEventKind } from '../domain/deal-events.js';
import { readAmount } from './amount.js';

/** Who the deals must belong to: the person typing, or a CRM user named by words. */
export type AlertOwnerRef = { kind: 'me' } | { kind: 'named'; name: string };

export interface AlertQuietHoursInput {
  /** `HH:MM`, 24-hour; `from` after `to` spans midnight. */
  from: string;
  to: string;
  zone: string;
  /** False when the zone is the person's own Slack zone because none was typed. */
  zoneGiven: boolean;
}

export interface AlertSetCommand {
  kind: 'set';
  /** In `DEAL_EVENT_KINDS` order, no repeats. */
  events: DealEventKind[];
  /** The pipeline's name as typed; null: every pipeline. */
  pipeline: string | null;
  /** `moved` only into these stages, names as typed; empty: any stage. */
  toStages: string[];
  /** The amount typed after `over`; its currency when one was written. */
  minValue: { amount: number; currency: string | null } | null;
  owner: AlertOwnerRef | null;
  delivery: { kind: 'each' } | { kind: 'batched'; everyMinutes: number };
  quietHours: AlertQuietHoursInput | null;
  threadPerDeal: boolean;
}

export type AlertCommand =
  | AlertSetCommand
  | { kind: 'list' }
  /** `which` null: the channel's only subscription (several: the listener asks which). */
  | { kind: 'off'; which: number | 'all' | null }
  | { kind: 'settings' }
  | { kind: 'invalid'; problem: AlertProblem };

/** Why an alerts command could not be read; `typed` and friends are what the person wrote. */
export type AlertProblem =
  | { kind: 'help' }
  | { kind: 'list-takes-nothing' }
  | { kind: 'bad-off'; typed: string }
  | { kind: 'unknown-word'; word: string }
  /** A clause word with nothing usable after it: `in`, `over`, `to`, `by`, `batched`, `quiet`. */
  | { kind: 'missing'; clause: 'pipeline' | 'amount' | 'stage' | 'owner' }
  | { kind: 'bad-amount'; typed: string }
  /** `min` and `max`: the batch window's bounds, in minutes. */
  | { kind: 'bad-batch'; typed: string; min: number; max: number }
  | { kind: 'bad-quiet'; typed: string }
  | { kind: 'unknown-zone'; typed: string; hint: ZoneHint }
  | { kind: 'twice'; clause: 'pipeline' | 'amount' | 'owner' | 'delivery' | 'quiet' };

export const MIN_BATCH_MINUTES = 1;
export const MAX_BATCH_MINUTES = 24 * 60;

const LIST_WORDS = new Set(['list', 'ls', 'show', 'status']);
const OFF_WORDS = new Set(['off', 'stop', 'unsubscribe', 'cancel', 'disable', 'remove', 'delete', 'none', 'mute']);
const SETTINGS_WORDS = new Set(['settings', 'setup', 'edit', 'configure', 'config']);
const HELP_WORDS = new Set(['help', '?', '-h', '--help']);
const ALL_WORDS = new Set(['all', 'everything', 'any', 'every-event']);

const EVENT_WORDS = new Map<string, DealEventKind>();
for (const [kind, words] of [
  ['created', ['new', 'created', 'create', 'creates', 'added', 'add', 'adds']],
  ['moved', ['moved', 'moves', 'move', 'stage', 'stages', 'progress']],
  ['won', ['won', 'win', 'wins']],
  ['lost', ['lost', 'lose', 'loses', 'losses']],
  ['reopened', ['reopened', 'reopen', 'reopens']],
  ['value', ['value', 'values', 'amount', 'amounts', 'price']],
  ['closeDatePushed', ['pushed', 'push', 'pushes', 'slipped', 'slips', 'postponed', 'delayed']],
] as const) {
  for (const word of words) EVENT_WORDS.set(word, kind);
}

/** Words that carry no meaning between the others ("when deals are won or lost"). */
const FILLER = new Set([
  'and',
  'or',
  '&',
  '+',
  'when',
  'if',
  'a',
  'an',
  'the',
  'is',
  'are',
  'gets',
  'get',
  'deal',
  'deals',
  'changes',
  'changed',
  'change',
  'events',
  'event',
  'alert',
  'alerts',
  'me',
  'about',
  'on',
  'of',
  'for',
  'date',
  'dates',
  'expected',
  'only',
  'pipeline',
]);

const MIN_VALUE_WORDS = new Set(['over', 'above', '>=', '>', 'min', 'minimum', 'worth']);
const PIPELINE_WORDS = new Set(['in']);
const STAGE_WORDS = new Set(['to', 'into']);
const OWNER_WORDS = new Set(['by', 'owner', 'owned']);
const BATCH_WORDS = new Set(['batched', 'batch', 'batches', 'every', 'digest']);
const EACH_WORDS = new Set(['each', 'instantly', 'immediately', 'live', 'realtime', 'real-time']);
const QUIET_WORDS = new Set(['quiet', 'silent', 'mute']);
const THREAD_WORDS = new Set(['thread', 'threads', 'threaded', 'threading']);

/** Words that start a clause: a pipeline or stage name read after `in`/`to` ends before one. */
const CLAUSE_WORDS = new Set([
  ...MIN_VALUE_WORDS,
  ...PIPELINE_WORDS,
  ...STAGE_WORDS,
  ...OWNER_WORDS,
  ...BATCH_WORDS,
  ...EACH_WORDS,
  ...QUIET_WORDS,
  ...THREAD_WORDS,
  'at',
  'least',
]);

export function parseAlertCommand(args: string, defaultZone: string): AlertCommand {
  const tokens = tokenize(args);
  const [first, ...rest] = tokens;
  if (!first) return { kind: 'settings' };
  const word = first.quoted ? '' : first.text.toLowerCase();
  if (HELP_WORDS.has(word)) return invalid({ kind: 'help' });
  if (SETTINGS_WORDS.has(word) && rest.length === 0) return { kind: 'settings' };
  if (LIST_WORDS.has(word)) return rest.length === 0 ? { kind: 'list' } : invalid({ kind: 'list-takes-nothing' });
  if (OFF_WORDS.has(word) && !(word === 'mute' && rest.length > 0)) return parseOff(rest);
  return parseSet(tokens, defaultZone);
}

function parseOff(rest: Token[]): AlertCommand {
  const words = rest
    .map((t) => t.text.toLowerCase())
    .filter((w) => !['alert', 'alerts', 'number', 'no', 'no.', 'subscription'].includes(w));
  if (words.length === 0) return { kind: 'off', which: null };
  const [only] = words;
  if (words.length === 1 && only !== undefined) {
    if (ALL_WORDS.has(only)) return { kind: 'off', which: 'all' };
    const n = /^#?(\d{1,4})$/.exec(only)?.[1];
    if (n !== undefined && Number(n) >= 1) return { kind: 'off', which: Number(n) };
  }
  return invalid({ kind: 'bad-off', typed: rest.map((t) => t.text).join(' ') });
}

function parseSet(tokens: Token[], defaultZone: string): AlertCommand {
  const events = new Set<DealEventKind>();
  let pipeline: string | null = null;
  const toStages: string[] = [];
  let minValue: AlertSetCommand['minValue'] = null;
  let owner: AlertOwnerRef | null = null;
  let delivery: AlertSetCommand['delivery'] | null = null;
  let quiet: AlertQuietHoursInput | null = null;
  let threadPerDeal = false;

  const lower = (t: Token | undefined): string => (t && !t.quoted ? t.text.toLowerCase() : '');
  /** The words of a name from `start`: a quoted run, or words up to a clause word (or, after the first, an event word). */
  const readName = (start: number, stopAtEvents: boolean): { name: string; next: number; comma: boolean } => {
    const head = tokens[start];
    if (head?.quoted) return { name: head.text, next: start + 1, comma: false };
    const words: string[] = [];
    let i = start;
    for (; i < tokens.length; i += 1) {
      const t = tokens[i] as Token;
      const w = lower(t);
      if (t.quoted || CLAUSE_WORDS.has(w) || /^>=?/.test(w)) break;
      if (words.length > 0 && (w === ',' || w === 'and' || w === 'or' || w === '/')) break;
      if (words.length > 0 && stopAtEvents && (EVENT_WORDS.has(w.replace(/,$/, '')) || ALL_WORDS.has(w))) break;
      words.push(t.text.replace(/,$/, ''));
      if (t.text.endsWith(',')) return { name: words.join(' ').trim(), next: i + 1, comma: true };
    }
    return { name: words.join(' ').trim(), next: i, comma: false };
  };
  /** After a stage name: another follows a comma, `or`, `/`, or an `and` not followed by an event or clause. */
  const anotherStageAt = (i: number, comma: boolean): number | null => {
    const w = lower(tokens[i]);
    const after = lower(tokens[i + 1]);
    const startsName = (word: string) => word !== '' && !EVENT_WORDS.has(word) && !ALL_WORDS.has(word) && !CLAUSE_WORDS.has(word);
    if (comma) return startsName(w) || tokens[i]?.quoted ? i : null;
    if (w === ',' || w === 'or' || w === '/') return i + 1;
    if (w === 'and' && (startsName(after) || tokens[i + 1]?.quoted)) return i + 1;
    return null;
  };

  for (let i = 0; i < tokens.length;) {
    const token = tokens[i] as Token;
    const w = lower(token);
    if (token.quoted) return invalid({ kind: 'unknown-word', word: token.text });

    if (ALL_WORDS.has(w)) {
      for (const kind of DEAL_EVENT_KINDS) events.add(kind);
      i += 1;
      continue;
    }
    // "close date pushed", "closing date": the close date moving later.
    if ((w === 'close' || w === 'closing') && ['date', 'dates', 'pushed', 'slipped'].includes(lower(tokens[i + 1]))) {
      events.add('closeDatePushed');
      i += 2;
      continue;
    }
    const event = EVENT_WORDS.get(w.replace(/,$/, ''));
    if (event) {
      events.add(event);
      i += 1;
      continue;
    }
    if (PIPELINE_WORDS.has(w)) {
      if (pipeline !== null) return invalid({ kind: 'twice', clause: 'pipeline' });
      const { name, next } = readName(i + 1, true);
      if (name === '') return invalid({ kind: 'missing', clause: 'pipeline' });
      pipeline = name;
      i = next;
      continue;
    }
    if (STAGE_WORDS.has(w)) {
      const before = toStages.length;
      let next: number | null = i + 1;
      let end = i + 1;
      while (next !== null) {
        const read = readName(next, true);
        if (read.name === '') break;
        toStages.push(read.name);
        end = read.next;
        next = anotherStageAt(read.next, read.comma);
      }
      next = end;
      if (toStages.length === before) return invalid({ kind: 'missing', clause: 'stage' });
      events.add('moved');
      i = next;
      continue;
    }
    // Amounts: `over 10k`, `>= €10,000`, `>=10k`, `at least 5000`, `over 10 000 EUR`.
    if (
      MIN_VALUE_WORDS.has(w) ||
      (w === 'at' && lower(tokens[i + 1]) === 'least') ||
      (w === 'more' && lower(tokens[i + 1]) === 'than') ||
      /^>=?\S/.test(w)
    ) {
      if (minValue !== null) return invalid({ kind: 'twice', clause: 'amount' });
      let next = i + 1;
      let inline = '';
      if (w === 'at') next = i + 2;
      else if (/^>=?\S/.test(w)) {
        inline = token.text.replace(/^>=?/, '');
        next = i + 1;
      }
      if (lower(tokens[next]) === 'than') next += 1;
      const candidates: Array<{ text: string; used: number }> =
        inline !== ''
          ? [
              { text: `${inline} ${tokens[next]?.text ?? ''}`.trim(), used: 1 },
              { text: inline, used: 0 },
            ]
          : [
              { text: `${tokens[next]?.text ?? ''} ${tokens[next + 1]?.text ?? ''}`.trim(), used: 2 },
              { text: tokens[next]?.text ?? '', used: 1 },
            ];
      const found = candidates.find((c) => c.text !== '' && !tokens.slice(next, next + c.used).some((t) => t.quoted) && readAmount(c.text));
      if (!found) {
        const typed = inline || tokens[next]?.text || '';
        return invalid(typed === '' ? { kind: 'missing', clause: 'amount' } : { kind: 'bad-amount', typed });
      }
      const amount = readAmount(found.text);
      if (!amount || amount.amount <= 0) return invalid({ kind: 'bad-amount', typed: found.text });
      minValue = { amount: amount.amount, currency: amount.currency };
      i = next + found.used;
      continue;
    }
    if (OWNER_WORDS.has(w)) {
      if (owner !== null) return invalid({ kind: 'twice', clause: 'owner' });
      let next = i + 1;
      if (w === 'owned' && lower(tokens[next]) === 'by') next += 1;
      if (w === 'owner' && lower(tokens[next]) === 'is') next += 1;
      if (['me', 'myself', 'mine', 'i'].includes(lower(tokens[next]))) {
        owner = { kind: 'me' };
        i = next + 1;
        continue;
      }
      const { name, next: after } = readName(next, true);
      if (name === '') return invalid({ kind: 'missing', clause: 'owner' });
      owner = { kind: 'named', name: name.replace(/^@/, '') };
      i = after;
      continue;
    }
    if (w === 'mine' || w === 'my') {
      if (owner !== null && owner.kind !== 'me') return invalid({ kind: 'twice', clause: 'owner' });
      owner = { kind: 'me' };
      i += 1;
      continue;
    }
    if (EACH_WORDS.has(w)) {
      if (delivery !== null && delivery.kind !== 'each') return invalid({ kind: 'twice', clause: 'delivery' });
      delivery = { kind: 'each' };
      i += 1;
      if (['event', 'time', 'change'].includes(lower(tokens[i]))) i += 1;
      continue;
    }
    if (BATCH_WORDS.has(w) || w === 'hourly') {
      if (delivery !== null) return invalid({ kind: 'twice', clause: 'delivery' });
      const read = readBatch(tokens, i);
      if ('problem' in read) return invalid(read.problem);
      delivery = { kind: 'batched', everyMinutes: read.minutes };
      i = read.next;
      continue;
    }
    if (QUIET_WORDS.has(w)) {
      if (quiet !== null) return invalid({ kind: 'twice', clause: 'quiet' });
      const read = readQuiet(tokens, i + 1, defaultZone);
      if ('problem' in read) return invalid(read.problem);
      quiet = read.quiet;
      i = read.next;
      continue;
    }
    if (THREAD_WORDS.has(w) || (w === 'one' && THREAD_WORDS.has(lower(tokens[i + 1])))) {
      threadPerDeal = true;
      i += w === 'one' ? 2 : 1;
      // "thread per deal", "threads by deal"
      if (['per', 'by', 'each'].includes(lower(tokens[i]))) i += 1;
      if (['deal', 'deals'].includes(lower(tokens[i]))) i += 1;
      continue;
    }
    if (FILLER.has(w) || w === ',' || w === '') {
      i += 1;
      continue;
    }
    return invalid({ kind: 'unknown-word', word: token.text });
  }

  const kinds = events.size === 0 ? [...DEAL_EVENT_KINDS] : DEAL_EVENT_KINDS.filter((k) => events.has(k));
  return {
    kind: 'set',
    events: kinds,
    pipeline,
    toStages,
    minValue,
    owner,
    delivery: delivery ?? { kind: 'each' },
    quietHours: quiet,
    threadPerDeal,
  };
}

/** `batched 15m`, `batched every 15 minutes`, `every 15 min`, `every hour`, `hourly`, `batch 30`, `every 2h`. */
function readBatch(tokens: Token[], start: number): { minutes: number; next: number } | { problem: AlertProblem } {
  const lower = (i: number) => (tokens[i] && !tokens[i]?.quoted ? (tokens[i]?.text.toLowerCase() ?? '') : '');
  if (lower(start) === 'hourly') return { minutes: 60, next: start + 1 };
  let i = start + 1;
  if (lower(start) !== 'every' && lower(i) === 'every') i += 1;
  const word = lower(i);
  if (word === 'hour' || word === 'hourly') return { minutes: 60, next: i + 1 };
  const inline = /^(\d+(?:[.,]\d+)?)(m|min|mins|minutes?|h|hr|hrs|hours?)?$/.exec(word);
  if (!inline) {
    const typed = tokens[i]?.text ?? '';
    return { problem: badBatch(typed === '' ? (tokens[start]?.text ?? '') : typed) };
  }
  let unit = inline[2] ?? '';
  let next = i + 1;
  if (unit === '' && /^(m|min|mins|minutes?|h|hr|hrs|hours?)$/.test(lower(next))) {
    unit = lower(next);
    next += 1;
  }
  const n = Number((inline[1] ?? '').replace(',', '.'));
  const minutes = unit.startsWith('h') ? n * 60 : n;
  if (!Number.isInteger(minutes) || minutes < MIN_BATCH_MINUTES || minutes > MAX_BATCH_MINUTES) {
    return {
      problem: badBatch(
        tokens
          .slice(i, next)
          .map((t) => t.text)
          .join(' '),
      ),
    };
  }
  return { minutes, next };
}

const badBatch = (typed: string): AlertProblem => ({ kind: 'bad-batch', typed, min: MIN_BATCH_MINUTES, max: MAX_BATCH_MINUTES });

/** `22:00-07:00 [zone]`, `22-7`, `10pm-7am`, `from 22:00 to 07:00`, `22:00 to 07:00`, `hours 22:00–07:00`. */
function readQuiet(
  tokens: Token[],
  start: number,
  defaultZone: string,
): { quiet: AlertQuietHoursInput; next: number } | { problem: AlertProblem } {
  const lower = (i: number) => (tokens[i] && !tokens[i]?.quoted ? (tokens[i]?.text.toLowerCase() ?? '') : '');
  let i = start;
  if (lower(i) === 'hours' || lower(i) === 'time') i += 1;
  if (lower(i) === 'from' || lower(i) === 'between') i += 1;
  let fromText: string;
  let toText: string;
  const joined = /^([^-–—]+)[-–—]([^-–—]+)$/.exec(lower(i));
  if (joined) {
    fromText = joined[1] ?? '';
    toText = joined[2] ?? '';
    i += 1;
  } else if (['to', 'and', '-', '–', '—', 'till', 'until'].includes(lower(i + 1))) {
    fromText = lower(i);
    toText = lower(i + 2);
    i += 3;
  } else {
    return {
      problem: {
        kind: 'bad-quiet',
        typed: tokens
          .slice(start, i + 1)
          .map((t) => t.text)
          .join(' '),
      },
    };
  }
  const from = clock(fromText);
  const to = clock(toText);
  if (!from || !to || from === to) return { problem: { kind: 'bad-quiet', typed: `${fromText}-${toText}` } };
  let zone: string | null = null;
  const zoneWord = tokens[i]?.quoted ? '' : (tokens[i]?.text ?? '');
  if (looksLikeZone(zoneWord) || /^[+-]\d/.test(zoneWord)) {
    const read = readZone(zoneWord);
    if ('unknown' in read) return { problem: { kind: 'unknown-zone', typed: read.unknown, hint: read.hint } };
    zone = read.zone;
    i += 1;
  }
  return {
    quiet: { from, to, zone: zone ?? canonicalTimeZone(defaultZone) ?? 'UTC', zoneGiven: zone !== null },
    next: i,
  };
}

/** `22:00`, `22h`, `10pm`, and a bare hour `22` or `7` (quiet hours name whole hours often). */
function clock(text: string): string | null {
  const time = readTimeOfDay(text);
  if (time && time !== 'bad') return time;
  const hour = /^(\d{1,2})$/.exec(text.trim())?.[1];
  if (hour !== undefined && Number(hour) <= 23) return `${hour.padStart(2, '0')}:00`;
  return null;
}

const invalid = (problem: AlertProblem): AlertCommand => ({ kind: 'invalid', problem });
