// The `/pipeline digest …` grammar. `args` is what follows `digest`, already read back from
// Slack's markup by `parsePipelineCommand`:
//
//   (nothing)                                   the settings modal
//   daily 09:00 Europe/Berlin [pipeline]        set (also `weekdays 08:30`, `weekly mon 09:00`)
//   list | off [pipeline] | now [pipeline]
//
// After the frequency the time, the day, the zone, `stale N` and the pipeline name may come
// in any order; the name is whatever words are left. Without a zone the invoking person's
// Slack zone (`defaultZone`) is used, without a time 09:00, and `weekly` without a day
// means Monday. Pure and total: every mistake is an `invalid` with a typed `problem` (what
// was typed, not a sentence); ui/digest-words.ts `describeDigestProblem` says it in words.

import { DEFAULT_DIGEST_TIME, MAX_STALE_DAYS, readTimeOfDay, type DigestFrequency, type Weekday } from '../domain/digest-schedule.js';
import { canonicalTimeZone } from '../domain/time-zones.js';
import { looksLikeZone, readZone, tokenize, type Token, type ZoneHint } from './words.js';

export type DigestCommand =
  | {
      kind: 'set';
      frequency: DigestFrequency;
      /** `HH:MM`, 24-hour. */
      time: string;
      zone: string;
      /** False when the zone is the person's own Slack zone because none was typed. */
      zoneGiven: boolean;
      /** The pipeline's name as typed; null for the default pipeline. */
      pipeline: string | null;
      /** Null: keep the schedule's current value (or the default). */
      staleDays: number | null;
    }
  | { kind: 'list' }
  | { kind: 'off'; pipeline: string | null }
  | { kind: 'now'; pipeline: string | null }
  | { kind: 'settings' }
  | { kind: 'invalid'; problem: DigestProblem };

/** Why a digest command could not be read; `typed` and friends are what the person wrote. */
export type DigestProblem =
  /** They asked for help: the usage is the answer. */
  | { kind: 'help' }
  | { kind: 'list-takes-nothing' }
  /** The first word is no subcommand and no frequency. */
  | { kind: 'unknown-word'; word: string }
  | { kind: 'bad-time'; typed: string }
  | { kind: 'two-times'; first: string; second: string }
  /** A day of the week after `daily` or `weekdays`. */
  | { kind: 'day-without-weekly'; frequency: 'daily' | 'weekdays'; day: Weekday }
  | { kind: 'two-days' }
  | { kind: 'bad-stale-days' }
  | { kind: 'unknown-zone'; typed: string; hint: ZoneHint }
  | { kind: 'two-zones'; first: string; second: string };

const LIST_WORDS = new Set(['list', 'ls', 'show', 'status', 'schedules']);
const OFF_WORDS = new Set(['off', 'stop', 'unsubscribe', 'cancel', 'disable', 'remove', 'delete', 'none']);
const NOW_WORDS = new Set(['now', 'send', 'post', 'preview', 'test']);
const SETTINGS_WORDS = new Set(['settings', 'setup', 'edit', 'configure', 'config']);
const HELP_WORDS = new Set(['help', '?', '-h', '--help']);

const FREQUENCY_WORDS = new Map<string, 'daily' | 'weekdays' | 'weekly'>([
  ['daily', 'daily'],
  ['day', 'daily'],
  ['everyday', 'daily'],
  ['weekdays', 'weekdays'],
  ['weekday', 'weekdays'],
  ['workdays', 'weekdays'],
  ['workday', 'weekdays'],
  ['businessdays', 'weekdays'],
  ['weekly', 'weekly'],
  ['week', 'weekly'],
]);

const DAY_WORDS = new Map<string, Weekday>();
for (const [day, names] of [
  ['mon', ['mon', 'monday', 'mondays']],
  ['tue', ['tue', 'tues', 'tuesday', 'tuesdays']],
  ['wed', ['wed', 'wednesday', 'wednesdays']],
  ['thu', ['thu', 'thur', 'thurs', 'thursday', 'thursdays']],
  ['fri', ['fri', 'friday', 'fridays']],
  ['sat', ['sat', 'saturday', 'saturdays']],
  ['sun', ['sun', 'sunday', 'sundays']],
] as const) {
  for (const name of names) DAY_WORDS.set(name, day);
}

/** Words people put between the others ("weekly on mon at 9am for Sales"); dropped around the name. */
const FILLER = new Set(['at', 'on', 'in', 'every', 'each', 'for', 'of', 'the', 'pipeline', 'tz', 'zone']);

export function parseDigestCommand(args: string, defaultZone: string): DigestCommand {
  const tokens = tokenize(args);
  const [first, ...rest] = tokens;
  if (!first) return { kind: 'settings' };
  const word = first.quoted ? '' : first.text.toLowerCase();
  if (HELP_WORDS.has(word)) return invalid({ kind: 'help' });
  if (SETTINGS_WORDS.has(word) && rest.length === 0) return { kind: 'settings' };
  if (LIST_WORDS.has(word)) return rest.length === 0 ? { kind: 'list' } : invalid({ kind: 'list-takes-nothing' });
  if (OFF_WORDS.has(word)) return { kind: 'off', pipeline: nameOf(rest) };
  if (NOW_WORDS.has(word)) return { kind: 'now', pipeline: nameOf(rest) };

  // "every day", "every weekday", "every monday": `every` is the frequency's own word here.
  const [head, ...tail] = word === 'every' && rest.length > 0 ? rest : tokens;
  const headWord = head && !head.quoted ? head.text.toLowerCase() : '';
  const frequencyWord = FREQUENCY_WORDS.get(headWord);
  const headDay = DAY_WORDS.get(headWord);
  if (!frequencyWord && !headDay) {
    return invalid({ kind: 'unknown-word', word: head?.text ?? first.text });
  }
  return parseSet(frequencyWord ?? 'weekly', headDay ?? null, tail, defaultZone);
}

function parseSet(kind: 'daily' | 'weekdays' | 'weekly', firstDay: Weekday | null, tokens: Token[], defaultZone: string): DigestCommand {
  let time: string | null = null;
  let day: Weekday | null = firstDay;
  let zone: string | null = null;
  let staleDays: number | null = null;
  const nameTokens: Token[] = [];

  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    if (token.quoted) {
      nameTokens.push(token);
      continue;
    }
    const lower = token.text.toLowerCase();
    const next = tokens[i + 1];
    const nextLower = next && !next.quoted ? next.text.toLowerCase() : '';

    // "9 am": the number and its half of the day are two words.
    const asTime = readTimeOfDay(lower) ?? (/^(am|pm|a\.m\.|p\.m\.)$/.test(nextLower) ? readTimeOfDay(`${lower}${nextLower}`) : null);
    if (asTime !== null) {
      if (asTime === 'bad') return invalid({ kind: 'bad-time', typed: token.text });
      if (time !== null && time !== asTime) return invalid({ kind: 'two-times', first: time, second: asTime });
      time = asTime;
      if (readTimeOfDay(lower) === null) i += 1;
      continue;
    }
    const asDay = DAY_WORDS.get(lower.replace(/\.$/, ''));
    if (asDay) {
      if (kind !== 'weekly') {
        return invalid({ kind: 'day-without-weekly', frequency: kind, day: asDay });
      }
      if (day !== null && day !== asDay) return invalid({ kind: 'two-days' });
      day = asDay;
      continue;
    }
    if (lower === 'stale' || lower.startsWith('stale=') || lower.startsWith('stale:')) {
      const inline = lower.slice('stale'.length).replace(/^[=:]/, '');
      const value = inline !== '' ? inline : nextLower;
      const days = /^(\d{1,3})d?$/.exec(value)?.[1];
      if (days === undefined || Number(days) < 1 || Number(days) > MAX_STALE_DAYS) {
        return invalid({ kind: 'bad-stale-days' });
      }
      staleDays = Number(days);
      if (inline === '') i += 1;
      if (/^days?$/.test(tokens[i + 1]?.text.toLowerCase() ?? '')) i += 1;
      continue;
    }
    if (looksLikeZone(token.text)) {
      const read = readZone(token.text);
      if ('unknown' in read) return invalid({ kind: 'unknown-zone', typed: read.unknown, hint: read.hint });
      const canonical = read.zone;
      if (zone !== null && zone !== canonical) return invalid({ kind: 'two-zones', first: zone, second: canonical });
      zone = canonical;
      continue;
    }
    nameTokens.push(token);
  }

  const frequency: DigestFrequency = kind === 'weekly' ? { kind: 'weekly', day: day ?? 'mon' } : { kind };
  const fallbackZone = canonicalTimeZone(defaultZone) ?? 'UTC';
  return {
    kind: 'set',
    frequency,
    time: time ?? DEFAULT_DIGEST_TIME,
    zone: zone ?? fallbackZone,
    zoneGiven: zone !== null,
    pipeline: nameOf(nameTokens),
    staleDays,
  };
}

/** The pipeline name from the words left over, fillers around it dropped; null when none. */
function nameOf(tokens: Token[]): string | null {
  const words = [...tokens];
  const isFiller = (t: Token | undefined): boolean => !!t && !t.quoted && FILLER.has(t.text.toLowerCase());
  while (isFiller(words[0])) words.shift();
  while (isFiller(words[words.length - 1])) words.pop();
  const name = words
    .map((t) => t.text)
    .join(' ')
    .trim();
  return name === '' ? null : name;
}

const invalid = (problem: DigestProblem): DigestCommand => ({ kind: 'invalid', problem });
