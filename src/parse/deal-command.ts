// The `/deal` grammar: turns the text after the slash command into a typed command, or into
// an `invalid` that says what is missing and what to type instead. Pure and total: any
// string gives an answer, and the words in `problem`/`suggestion` are ready for mrkdwn
// (user text echoed in them is escaped, commands are in backticks).

import type { ChannelRule } from '../domain/requester.js';
import { matchByName } from './match-name.js';
import { collapse, echo as echoInCode, fromSlackText, unquote } from './slack-text.js';

export type DealRef = { kind: 'id'; id: string } | { kind: 'words'; words: string };

export type DealCommand =
  | { kind: 'help' }
  | { kind: 'show'; ref: DealRef }
  | { kind: 'find'; words: string }
  | { kind: 'new'; line: string | null }
  | { kind: 'move'; ref: DealRef; stage: string }
  | { kind: 'won'; ref: DealRef }
  | { kind: 'lost'; ref: DealRef; reason: string | null }
  | { kind: 'reopen'; ref: DealRef }
  | { kind: 'timeline'; ref: DealRef }
  /** `/deal alerts me [off]`: a DM when someone else changes a deal the person owns. */
  | { kind: 'alerts'; on: boolean }
  /** `/deal channel [open|read-only|off]`: an admin sets the channel's rule; alone, the rule in force. */
  | { kind: 'channel'; rule: ChannelRule | null }
  /** `/deal link @person <crm email>` (admins): link a Slack user to the CRM user with that email. */
  | { kind: 'link'; slackUserId: string; email: string }
  /** `/deal link list` (admins): the links admins made. */
  | { kind: 'link-list' }
  /** `/deal unlink @person` (admins). */
  | { kind: 'unlink'; slackUserId: string }
  /** `/deal connect`: store one's own CRM credential; `/deal disconnect` removes it. */
  | { kind: 'connect' }
  | { kind: 'disconnect' }
  /** `/deal audit [deal]` (admins): the latest writes made through Dealbot, of one deal or all. */
  | { kind: 'audit'; deal: DealRef | null }
  | { kind: 'invalid'; subcommand: string | null; problem: string; suggestion: string | null };

/** The subcommands that act on one deal; a "which deal?" picker finishes one of these. */
export type DealCommandOnDeal = Extract<DealCommand, { ref: DealRef }>;

/** A subcommand a person can type (help and mistakes are not subcommands). */
export type DealSubcommandKind = Exclude<DealCommand['kind'], 'help' | 'invalid'>;

/**
 * The grammar describes itself, as it already words its own usage problems: one line of
 * `/deal help` per subcommand, what it does and commands to copy. Keyed by kind, so a
 * subcommand added to `DealCommand` without its help line fails the type check.
 */
export type DealSubcommandHelp = { readonly [K in DealSubcommandKind]: { readonly summary: string; readonly examples: readonly string[] } };

export const DEAL_SUBCOMMAND_HELP: DealSubcommandHelp = {
  show: { summary: 'Show a deal by its number or by words from its title', examples: ['/deal 42', '/deal show Acme renewal'] },
  find: { summary: 'Find deals', examples: ['/deal find acme'] },
  new: {
    summary: 'Create a deal in a form, or straight from one line (title, then the value)',
    examples: ['/deal new', '/deal new Acme renewal 12k EUR'],
  },
  move: {
    summary: 'Move a deal to a stage (case, the start of a name and small typos are fine)',
    examples: ['/deal move 42 to Proposal', '/deal move Acme renewal to neg'],
  },
  won: { summary: 'Mark a deal won', examples: ['/deal won 42'] },
  lost: { summary: 'Mark a deal lost, with a reason', examples: ['/deal lost 42 because no budget this year', '/deal lost 42'] },
  reopen: { summary: 'Reopen a won or lost deal', examples: ['/deal reopen 42'] },
  timeline: { summary: "A deal's history", examples: ['/deal timeline 42'] },
  channel: {
    summary: 'Admins: open this channel to Dealbot, make it read-only, or turn Dealbot off here',
    examples: ['/deal channel read-only', '/deal channel open', '/deal channel off'],
  },
  alerts: {
    summary: 'A direct message when someone else changes a deal you own',
    examples: ['/deal alerts me', '/deal alerts me off'],
  },
  connect: {
    summary: 'Make your changes with your own CRM credential, so the CRM names you',
    examples: ['/deal connect'],
  },
  disconnect: { summary: 'Forget your own CRM credential', examples: ['/deal disconnect'] },
  link: {
    summary: 'Admins: link someone to their CRM user by email',
    examples: ['/deal link @ada ada@example.com'],
  },
  'link-list': { summary: 'Admins: the links made by hand', examples: ['/deal link list'] },
  unlink: { summary: 'Admins: remove a link made by hand', examples: ['/deal unlink @ada'] },
  audit: { summary: 'Admins: who changed what through Dealbot', examples: ['/deal audit', '/deal audit 42'] },
};

type Subcommand = Exclude<DealCommand['kind'], 'invalid'>;

/** Every word that names a subcommand, the canonical name first. */
const SUBCOMMAND_WORDS: ReadonlyArray<readonly [word: string, subcommand: Subcommand]> = [
  ['help', 'help'],
  ['show', 'show'],
  ['find', 'find'],
  ['search', 'find'],
  ['new', 'new'],
  ['create', 'new'],
  ['add', 'new'],
  ['move', 'move'],
  ['won', 'won'],
  ['win', 'won'],
  ['lost', 'lost'],
  ['lose', 'lost'],
  ['reopen', 'reopen'],
  ['open', 'reopen'],
  ['timeline', 'timeline'],
  ['history', 'timeline'],
  ['channel', 'channel'],
  ['alerts', 'alerts'],
  ['alert', 'alerts'],
  ['connect', 'connect'],
  ['disconnect', 'disconnect'],
  ['link', 'link'],
  ['unlink', 'unlink'],
  ['audit', 'audit'],
];

const SUBCOMMANDS = new Map<string, Subcommand>(SUBCOMMAND_WORDS);
const HELP_WORDS = new Set(['help', '?', '-h', '--help']);

/** A deal id as people type it: `123` or `#123`. */
const ID = /^#?(\d+)$/;

export function parseDealCommand(text: string): DealCommand {
  const clean = fromSlackText(String(text)).trim();
  if (clean === '') return { kind: 'help' };
  if (ID.test(clean)) return { kind: 'show', ref: parseDealRef(clean) };

  const [, first = '', rest = ''] = /^(\S+)\s*([\s\S]*)$/u.exec(clean) ?? [];
  const word = first.toLowerCase();
  if (HELP_WORDS.has(word)) return { kind: 'help' };
  const subcommand = SUBCOMMANDS.get(word);
  if (!subcommand) return unknownSubcommand(first, rest, clean);
  const args = rest.trim();

  switch (subcommand) {
    case 'help':
      return { kind: 'help' };
    case 'new':
      return { kind: 'new', line: args === '' ? null : args };
    case 'find': {
      const words = collapse(unquote(args));
      return words ? { kind: 'find', words } : invalid('find', 'What should I look for? `/deal find Acme`');
    }
    case 'move':
      return parseMove(args);
    case 'lost':
      return parseLost(args);
    case 'channel':
      return parseChannelRule(args);
    case 'alerts':
      return parseAlerts(args);
    case 'link':
    case 'link-list':
      return parseLink(rawArgs(text));
    case 'unlink':
      return parseUnlink(rawArgs(text));
    case 'connect':
    case 'disconnect':
      return { kind: subcommand };
    case 'audit':
      return { kind: 'audit', deal: refOrNull(args) };
    case 'show':
    case 'won':
    case 'reopen':
    case 'timeline': {
      const ref = refOrNull(args);
      return ref ? { kind: subcommand, ref } : whichDeal(subcommand);
    }
  }
}

/** `123` and `#123` are ids; anything else is words from the deal's title. */
export function parseDealRef(text: string): DealRef {
  const words = collapse(unquote(collapse(String(text))));
  const id = ID.exec(words)?.[1];
  return id === undefined ? { kind: 'words', words } : { kind: 'id', id };
}

function refOrNull(text: string): DealRef | null {
  const ref = parseDealRef(text);
  return ref.kind === 'words' && ref.words === '' ? null : ref;
}

const ARROW = /\s*(?:→|->|=>)\s*/gu;
const TO = /(?:^|\s)to(?=\s|$)/giu;

/**
 * `move <ref> to <stage>`: split on the last arrow, else on the last standalone "to"
 * (deal titles say "to" more often than stage names do: `move Road to Rome to Won`).
 */
function parseMove(args: string): DealCommand {
  const at = lastMatch(ARROW, args) ?? lastMatch(TO, args);
  const ref = at ? refOrNull(args.slice(0, at.start)) : refOrNull(args);
  const stage = at ? collapse(unquote(args.slice(at.end))) : '';
  const refText = ref ? echo(ref.kind === 'id' ? ref.id : ref.words) : '42';
  if (!ref && !stage) return invalid('move', 'Which deal, and to which stage? `/deal move 42 to Proposal`');
  if (!ref) return invalid('move', `Which deal? \`/deal move 42 to ${echo(stage)}\``);
  if (!stage) return invalid('move', `Tell me the stage: \`/deal move ${refText} to Proposal\``);
  return { kind: 'move', ref, stage };
}

/**
 * `lost <ref> [because <reason>]`. After an id, `:` and ` - ` also start the reason
 * (`lost 42: no budget`); after words they may be part of the title (`Acme - renewal`).
 */
function parseLost(args: string): DealCommand {
  const because = /(?:^|\s)because(?:\s|$)/iu.exec(args);
  let refText = args;
  let reason: string | null = null;
  if (because) {
    refText = args.slice(0, because.index);
    reason = collapse(args.slice(because.index + because[0].length));
  } else {
    const afterId = /^(#?\d+)\s*(?::|\s[-–—]\s)([\s\S]*)$/u.exec(args);
    if (afterId) {
      refText = afterId[1] ?? '';
      reason = collapse(afterId[2] ?? '');
    }
  }
  const ref = refOrNull(refText);
  if (!ref) return whichDeal('lost');
  return { kind: 'lost', ref, reason: reason || null };
}

/** `alerts me`, `alerts me on` (and `alerts` alone): on; `alerts me off`, `alerts off`: off. */
function parseAlerts(args: string): DealCommand {
  const words = collapse(args)
    .toLowerCase()
    .split(' ')
    .filter((w) => w !== '' && w !== 'me' && w !== 'my' && w !== 'deals');
  const [word, ...extra] = words;
  if (extra.length === 0 && (word === undefined || word === 'on' || word === 'start')) return { kind: 'alerts', on: true };
  if (extra.length === 0 && word !== undefined && ['off', 'stop', 'none', 'mute'].includes(word)) return { kind: 'alerts', on: false };
  return invalid(
    'alerts',
    `\`/deal alerts\` is about your own deals: \`/deal alerts me\` or \`/deal alerts me off\`. For a channel: \`/pipeline alerts\`.`,
  );
}

const CHANNEL_RULE_WORDS = new Map<string, ChannelRule>([
  ['open', 'open'],
  ['on', 'open'],
  ['read-only', 'read-only'],
  ['readonly', 'read-only'],
  ['read', 'read-only'],
  ['off', 'off'],
]);

/** `channel` alone shows the rule; `channel open|read-only|off` sets it. */
function parseChannelRule(args: string): DealCommand {
  const word = collapse(args).toLowerCase().replace(/\s+/g, '-');
  if (word === '') return { kind: 'channel', rule: null };
  const rule = CHANNEL_RULE_WORDS.get(word);
  if (rule) return { kind: 'channel', rule };
  return invalid(
    'channel',
    `\`${echo(collapse(args))}\` is not a channel rule: \`/deal channel open\`, \`/deal channel read-only\` or \`/deal channel off\`.`,
  );
}

/** The text after the subcommand word as Slack sent it: a mention still carries the user's id. */
function rawArgs(text: string): string {
  return /^\s*\S+\s*([\s\S]*)$/u.exec(String(text))?.[1] ?? '';
}

/** `<@U123|ada>` (Slack's escaped mention) or a bare `U123ABC`, at the start of `raw`. */
const MENTION = /^\s*(?:<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|([UW][A-Z0-9]{2,}))(?=\s|$)([\s\S]*)$/u;

function parseLink(raw: string): DealCommand {
  const words = collapse(fromSlackText(raw));
  if (words === '' || /^(list|ls|all)$/i.test(words)) return { kind: 'link-list' };
  const mention = MENTION.exec(raw);
  if (!mention) return invalid('link', 'Whom should I link? Mention them: `/deal link @ada ada@example.com`');
  const email = collapse(unquote(fromSlackText(mention[3] ?? '')));
  if (!EMAIL.test(email)) {
    return invalid(
      'link',
      email === '' ? 'Which CRM email? `/deal link @ada ada@example.com`' : `\`${echo(email)}\` is not an email address.`,
    );
  }
  return { kind: 'link', slackUserId: (mention[1] ?? mention[2])!, email };
}

function parseUnlink(raw: string): DealCommand {
  const mention = MENTION.exec(raw);
  if (!mention || collapse(fromSlackText(mention[3] ?? '')) !== '')
    return invalid('unlink', 'Whom should I unlink? Mention them: `/deal unlink @ada`');
  return { kind: 'unlink', slackUserId: (mention[1] ?? mention[2])! };
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/u;

function whichDeal(subcommand: Subcommand): DealCommand {
  const example = subcommand === 'lost' ? '/deal lost 42 because no budget' : `/deal ${subcommand} 42`;
  return invalid(subcommand, `Which deal? \`${example}\` or \`/deal ${subcommand} Acme renewal\``);
}

function unknownSubcommand(first: string, rest: string, clean: string): DealCommand {
  const problem = `\`${echo(first)}\` is not a \`/deal\` command.`;
  // Only a word can be a misspelt command word: a mention (`@channel`, `<!channel>`) is not, even when it contains one.
  const close = /^[\p{L}-]+$/u.test(first) ? matchByName(first, SUBCOMMAND_WORDS, ([word]) => word) : { kind: 'none' as const };
  const meant =
    close.kind === 'match' ? [close.item[1]] : close.kind === 'ambiguous' ? [...new Set(close.candidates.map(([, s]) => s))] : [];
  const tail = rest.trim() === '' ? '' : ` ${echo(collapse(rest))}`;
  const showIt = `\`/deal show ${echo(collapse(clean))}\``;
  if (meant.length > 0) {
    const options = meant.slice(0, 3).map((s) => `\`/deal ${s}${tail}\``);
    // Commands are typed in lower case, titles capitalized: `/deal Wine shop` is a deal, not `won`.
    if (/^\p{Lu}/u.test(first)) options.push(showIt);
    return invalid(null, problem, `Did you mean ${options.join(' or ')}?`);
  }
  if (/\p{L}/u.test(clean)) return invalid(null, problem, `To open a deal by its title: ${showIt}`);
  return invalid(null, problem, null);
}

function invalid(subcommand: Subcommand | null, problem: string, suggestion: string | null = null): DealCommand {
  return { kind: 'invalid', subcommand, problem, suggestion };
}

function lastMatch(pattern: RegExp, text: string): { start: number; end: number } | null {
  let last: { start: number; end: number } | null = null;
  for (const m of text.matchAll(pattern)) last = { start: m.index, end: m.index + m[0].length };
  return last;
}

const ECHO_LIMIT = 60;

const echo = (text: string): string => echoInCode(text, ECHO_LIMIT);
