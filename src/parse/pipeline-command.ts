// The `/pipeline` grammar: the board of a pipeline (`/pipeline`, `/pipeline Sales`), the
// timeline summary (`/pipeline timeline [week|month|quarter] [count] [by close|won|created]`,
// the optional words in any order), digest subscriptions (`/pipeline digest …`, parsed by
// the digest feature), deal alerts (`/pipeline alerts …`, parsed by the alerts feature) and
// help. Pure and total; `problem` is ready for mrkdwn (user text echoed in it is escaped,
// commands are in backticks).

import { collapse, echo as echoInCode, fromSlackText, unquote } from './slack-text.js';

/** The periods a timeline summary groups by; the grammar names them, the use case buckets by them. */
export type PeriodUnit = 'week' | 'month' | 'quarter';
/** What places a deal in a period: its expected close date, when it was won, when it was created. */
export type PeriodBasis = 'close' | 'won' | 'created';

export type PipelineCommand =
  | { kind: 'board'; pipeline: string | null }
  | { kind: 'timeline'; unit: PeriodUnit; count: number; by: PeriodBasis }
  | { kind: 'digest'; args: string }
  /** `/pipeline alerts …`: the rest is read by `parse/alert-command.ts`. */
  | { kind: 'alerts'; args: string }
  | { kind: 'help' }
  | { kind: 'invalid'; problem: string };

export const TIMELINE_DEFAULTS = { unit: 'month', count: 6, by: 'close' } as const satisfies {
  unit: PeriodUnit;
  count: number;
  by: PeriodBasis;
};
export const MAX_PERIODS = 24;

const HELP_WORDS = new Set(['help', '?', '-h', '--help']);
const TIMELINE_WORDS = new Set(['timeline', 'timelines', 'periods', 'forecast']);
/** An explicit board prefix, for a pipeline whose name is one of the words above. */
const BOARD_WORDS = new Set(['board', 'show']);

const UNIT_WORDS = new Map<string, PeriodUnit>([
  ['week', 'week'],
  ['weeks', 'week'],
  ['weekly', 'week'],
  ['w', 'week'],
  ['wk', 'week'],
  ['month', 'month'],
  ['months', 'month'],
  ['monthly', 'month'],
  ['m', 'month'],
  ['mo', 'month'],
  ['quarter', 'quarter'],
  ['quarters', 'quarter'],
  ['quarterly', 'quarter'],
  ['q', 'quarter'],
]);

const BASIS_WORDS = new Map<string, PeriodBasis>([
  ['close', 'close'],
  ['closes', 'close'],
  ['closing', 'close'],
  ['expected', 'close'],
  ['expected_close', 'close'],
  ['won', 'won'],
  ['win', 'won'],
  ['wins', 'won'],
  ['created', 'created'],
  ['create', 'created'],
  ['creation', 'created'],
  ['new', 'created'],
  ['added', 'created'],
]);

/** Words that may sit between the others without meaning anything: "by", "per", "last", "next", "the". */
const FILLER = new Set(['by', 'per', 'for', 'of', 'the', 'last', 'next', 'over', 'in', 'date']);

const USAGE = '`/pipeline timeline [week|month|quarter] [1–24] [by close|won|created]`';

export function parsePipelineCommand(text: string): PipelineCommand {
  const clean = collapse(fromSlackText(String(text)));
  if (clean === '') return { kind: 'board', pipeline: null };
  const [, first = '', rest = ''] = /^(\S+)\s*([\s\S]*)$/u.exec(clean) ?? [];
  const word = first.toLowerCase();
  if (HELP_WORDS.has(word)) return { kind: 'help' };
  if (word === 'digest' || word === 'digests') return { kind: 'digest', args: rest.trim() };
  if (word === 'alerts' || word === 'alert') return { kind: 'alerts', args: rest.trim() };
  if (TIMELINE_WORDS.has(word)) return parseTimeline(rest);
  if (BOARD_WORDS.has(word)) return board(rest);
  return board(clean);
}

function board(name: string): PipelineCommand {
  const pipeline = collapse(unquote(name));
  return { kind: 'board', pipeline: pipeline === '' ? null : pipeline };
}

function parseTimeline(args: string): PipelineCommand {
  let unit: PeriodUnit | null = null;
  let count: number | null = null;
  let by: PeriodBasis | null = null;
  // "6months", "3q", "12w" are one word as people type them.
  const words = args
    .toLowerCase()
    .split(/[\s,]+/u)
    .flatMap((w) => /^(\d+)([a-z]+)$/u.exec(w)?.slice(1) ?? [w])
    .filter((w) => w !== '');

  for (const w of words) {
    if (FILLER.has(w)) continue;
    const asUnit = UNIT_WORDS.get(w);
    const asBasis = BASIS_WORDS.get(w);
    if (asUnit) {
      if (unit && unit !== asUnit) return invalid(`Pick one period length: \`week\`, \`month\` or \`quarter\`. ${USAGE}`);
      unit = asUnit;
    } else if (asBasis) {
      if (by && by !== asBasis) return invalid(`Group by one date: \`close\`, \`won\` or \`created\`. ${USAGE}`);
      by = asBasis;
    } else if (/^\d+$/u.test(w)) {
      const n = Number(w);
      if (count !== null && count !== n) return invalid(`Give one number of periods. ${USAGE}`);
      if (n < 1 || n > MAX_PERIODS) return invalid(`The number of periods must be between 1 and ${MAX_PERIODS}, not ${echo(w)}.`);
      count = n;
    } else {
      return invalid(`I don’t know \`${echo(w)}\` here. ${USAGE}`);
    }
  }
  return {
    kind: 'timeline',
    unit: unit ?? TIMELINE_DEFAULTS.unit,
    count: count ?? TIMELINE_DEFAULTS.count,
    by: by ?? TIMELINE_DEFAULTS.by,
  };
}

const invalid = (problem: string): PipelineCommand => ({ kind: 'invalid', problem });

const ECHO_LIMIT = 40;

const echo = (text: string): string => echoInCode(text, ECHO_LIMIT);
