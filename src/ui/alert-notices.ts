// The small messages around deal alert subscriptions: the channel told who set what (and who
// turned what off), the channel's numbered list, the answers to a mistake in
// `/pipeline alerts …`, a name that fits no single pipeline, stage or owner, and
// `/deal alerts me`. A subscription is described the same way everywhere
// (`describeAlertSubscription`). Pure.

import type { KnownBlock } from '@slack/types';
import type { Stage, User } from '../crm/port.js';
import type { AlertSubscription } from '../domain/alert-subscription.js';
import { DEAL_EVENT_KINDS, type DealEventKind } from '../domain/deal-events.js';
import type { AlertProblem } from '../parse/alert-command.js';
import type { AlertRuleProblem } from '../services/alert-subscriptions.js';
import { formatMoney } from './format.js';
import { usageMessage } from './help.js';
import { SlackLimits } from './ids.js';
import { codeSpan, escapeMrkdwn, mrkdwnText, truncate, userMention } from './mrkdwn.js';
import { channelMention } from './digest-notices.js';
import { zoneHint } from './digest-words.js';

type Message = { text: string; blocks: KnownBlock[] };

const NAME_MAX = 80;
const LIST_MAX = 20;
const NAMES_MAX = 25;

const section = (text: string): KnownBlock => ({ type: 'section', text: mrkdwnText(text, SlackLimits.sectionText) });
const context = (text: string): KnownBlock => ({ type: 'context', elements: [mrkdwnText(text, SlackLimits.sectionText)] });
const message = (text: string, blocks: KnownBlock[] = [section(text)]): Message => ({ text, blocks });

/** What each event is called in a sentence ("won and lost in Sales"). */
export const ALERT_EVENT_WORDS: Record<DealEventKind, string> = {
  created: 'new deals',
  moved: 'stage moves',
  won: 'won',
  lost: 'lost',
  reopened: 'reopened',
  value: 'value changes',
  closeDatePushed: 'close dates pushed',
};

/** The label of each event's checkbox in the alerts modal. */
export const ALERT_EVENT_LABELS: Record<DealEventKind, string> = {
  created: 'New deal',
  moved: 'Moved to another stage',
  won: 'Won',
  lost: 'Lost',
  reopened: 'Reopened',
  value: 'Value changed',
  closeDatePushed: 'Expected close date pushed',
};

/** Names for the ids a subscription keeps, read by the listener from the CRM (cached). */
export interface AlertNames {
  stages?: ReadonlyMap<string, string>;
  users?: ReadonlyMap<string, string>;
}

const name = (text: string): string => `*${escapeMrkdwn(truncate(text.replace(/\s+/g, ' ').trim(), NAME_MAX))}*`;

/** "a", "a and b", "a, b and c"; `joiner` for the last pair. */
export function listWords(words: readonly string[], joiner = 'and'): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${joiner} ${words.at(-1)}`;
}

/** "over 10,000" in the currency typed, else as a plain number (deals compare in their own currency). */
export function formatMinValue(amount: number, currency: string | null | undefined): string {
  return currency ? formatMoney({ amount, currency }) : new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(amount);
}

export function describeDelivery(delivery: AlertSubscription['delivery']): string {
  if (delivery.kind === 'each') return 'each as it happens';
  const m = delivery.everyMinutes;
  if (m % 60 === 0) return m === 60 ? 'batched every hour' : `batched every ${m / 60} hours`;
  return `batched every ${m} minute${m === 1 ? '' : 's'}`;
}

/**
 * One subscription in words, mrkdwn-safe: "won and lost in *Sales* over €10,000 owned by
 * *Ada*, batched every 15 minutes, quiet 22:00–07:00 (Europe/Berlin), one thread per deal".
 */
export function describeAlertSubscription(
  subscription: Pick<
    AlertSubscription,
    'events' | 'toStageIds' | 'pipelineId' | 'pipelineName' | 'minValue' | 'ownerId' | 'delivery' | 'quietHours' | 'threadPerDeal'
  >,
  names: AlertNames = {},
  minValueCurrency: string | null = null,
): string {
  const s = subscription;
  const all = DEAL_EVENT_KINDS.every((k) => s.events.includes(k)) && s.toStageIds.length === 0;
  const eventWords = DEAL_EVENT_KINDS.filter((k) => s.events.includes(k)).map((k) => {
    if (k !== 'moved' || s.toStageIds.length === 0) return ALERT_EVENT_WORDS[k];
    const stages = s.toStageIds.slice(0, NAMES_MAX).map((id) => name(names.stages?.get(id) ?? `stage ${id}`));
    const more = s.toStageIds.length > NAMES_MAX ? ` (and ${s.toStageIds.length - NAMES_MAX} more)` : '';
    return `moves into ${listWords(stages, 'or')}${more}`;
  });
  let text = all ? 'every deal event' : eventWords.length > 0 ? listWords(eventWords) : 'no events';
  if (s.pipelineId !== null) text += ` in ${name(s.pipelineName ?? names.stages?.get(s.pipelineId) ?? `pipeline ${s.pipelineId}`)}`;
  if (s.minValue !== null) text += ` over ${escapeMrkdwn(formatMinValue(s.minValue, minValueCurrency))}`;
  if (s.ownerId !== null) text += ` owned by ${name(names.users?.get(s.ownerId) ?? `user ${s.ownerId}`)}`;
  const extras: string[] = [];
  if (s.delivery.kind === 'batched') extras.push(describeDelivery(s.delivery));
  if (s.quietHours) extras.push(`quiet ${s.quietHours.from}–${s.quietHours.to} (${escapeMrkdwn(s.quietHours.zone)})`);
  if (s.threadPerDeal) extras.push('one thread per deal');
  return extras.length > 0 ? `${text}, ${extras.join(', ')}` : text;
}

/** For the channel: "🔔 <@U1> set alerts here: won and lost in *Sales* over €10,000 — `/pipeline alerts list`". */
export function alertSubscribedMessage(input: {
  subscription: AlertSubscription;
  userId: string;
  names?: AlertNames;
  minValueCurrency?: string | null;
  /** The quiet hours' zone came from the person's Slack profile, not from what they typed. */
  zoneFromProfile?: boolean;
  /** The subscription replaced one the person had set before. */
  replaced?: boolean;
}): Message {
  const what = describeAlertSubscription(input.subscription, input.names, input.minValueCurrency ?? null);
  const verb = input.replaced ? 'changed alerts here to' : 'set alerts here';
  const line = `🔔 ${userMention(input.userId)} ${verb}: ${what} — ${codeSpan('/pipeline alerts list')}`;
  const notes = [`Stop them with ${codeSpan('/pipeline alerts off')}`, `add others with ${codeSpan('/pipeline alerts')}`];
  if (input.zoneFromProfile && input.subscription.quietHours)
    notes.unshift(`Quiet hours in ${userMention(input.userId)}’s Slack time zone`);
  return message(line, [section(line), context(notes.join(' · '))]);
}

/** The channel's subscriptions, numbered as `off n` counts them. */
export function alertListMessage(input: { subscriptions: AlertSubscription[]; names?: AlertNames }): Message {
  if (input.subscriptions.length === 0) {
    return message(
      `No deal alerts are set for this channel. Try ${codeSpan('/pipeline alerts won lost')} or ${codeSpan('/pipeline alerts')} for the settings.`,
    );
  }
  const shown = input.subscriptions.slice(0, LIST_MAX);
  const lines = shown.map((s, i) => {
    const paused = (s as { paused?: boolean }).paused ? ' · ⏸️ paused: set it again to resume' : '';
    return `${i + 1}. ${describeAlertSubscription(s, input.names)} · set by ${userMention(s.createdBy)}${paused}`;
  });
  if (input.subscriptions.length > shown.length) lines.push(`_and ${input.subscriptions.length - shown.length} more_`);
  const count = input.subscriptions.length;
  const body = `*Deal alerts in this channel*\n${lines.join('\n')}`;
  return message(`Deal alerts in this channel: ${count}`, [
    section(body),
    context(`Turn one off with ${codeSpan('/pipeline alerts off 1')}, all of them with ${codeSpan('/pipeline alerts off all')}`),
  ]);
}

/** For the channel: "🔕 <@U1> turned off alerts here: won and lost in *Sales*". */
export function alertOffMessage(input: { removed: AlertSubscription[]; userId: string; names?: AlertNames }): Message {
  if (input.removed.length === 0) {
    return message(`This channel has no deal alerts to turn off. ${codeSpan('/pipeline alerts list')} shows what is set.`);
  }
  const who = userMention(input.userId);
  if (input.removed.length === 1 && input.removed[0]) {
    return message(`🔕 ${who} turned off alerts here: ${describeAlertSubscription(input.removed[0], input.names)}`);
  }
  return message(`🔕 ${who} turned off all ${input.removed.length} deal alert subscriptions of this channel.`);
}

/** `off` without a number in a channel with several subscriptions. */
export function alertOffWhichMessage(input: { subscriptions: AlertSubscription[]; names?: AlertNames }): Message {
  const list = alertListMessage(input);
  const line = `This channel has ${input.subscriptions.length} alert subscriptions: say which to turn off, e.g. ${codeSpan('/pipeline alerts off 2')}, or ${codeSpan('/pipeline alerts off all')}.`;
  return message(line, [section(line), ...list.blocks]);
}

/** `off 5` where there are fewer. */
export function alertOffNoSuchMessage(input: { number: number; count: number }): Message {
  const have = input.count === 0 ? 'none' : String(input.count);
  return usageMessage(
    `There is no alert subscription number ${input.number} in this channel (it has ${have}). ${codeSpan('/pipeline alerts list')} numbers them.`,
    null,
  );
}

/**
 * Someone else's subscription and the person is no admin (the use case's `not-yours`):
 * nothing changed; who set each one is named, so the person knows whom to ask.
 */
export function alertNotYoursMessage(input: {
  subscriptions: Array<{ n: number; subscription: AlertSubscription }>;
  names?: AlertNames;
}): Message {
  const lines = input.subscriptions
    .slice(0, LIST_MAX)
    .map(
      ({ n, subscription }) =>
        `${n}. ${describeAlertSubscription(subscription, input.names)} · set by ${userMention(subscription.createdBy)}`,
    );
  const one = input.subscriptions.length === 1;
  const line = one
    ? '🚫 Only whoever set these alerts, or a workspace admin, can change or turn them off. Nothing was changed.'
    : '🚫 Some of these alerts were set by someone else: only they, or a workspace admin, can turn them off. Nothing was changed.';
  return message(line, [section(`${line}\n${lines.join('\n')}`)]);
}

/** The channel already has `max` subscriptions. */
export function alertTooManyMessage(input: { limit: number }): Message {
  return usageMessage(
    `This channel has ${input.limit} alert subscriptions, as many as one channel can have. Turn one off first: ${codeSpan('/pipeline alerts list')}.`,
    null,
  );
}

/** The same rule was set already: nothing new. */
export function alertUnchangedMessage(input: { n: number; subscription: AlertSubscription; names?: AlertNames }): Message {
  return message(
    `This channel already has these alerts (number ${input.n}): ${describeAlertSubscription(input.subscription, input.names)}. Nothing changed.`,
  );
}

/** What is wrong with a rule the use case refused, one line each (mrkdwn-safe). */
export function describeRuleProblem(problem: AlertRuleProblem): string {
  switch (problem.field) {
    case 'events':
      return problem.problem === 'none' ? 'Pick at least one event.' : `Unknown events: ${escapeMrkdwn(problem.kinds.join(', '))}.`;
    case 'delivery':
      return `Batch alerts every ${problem.min} to ${problem.max} minutes.`;
    case 'quietHours':
      return problem.problem === 'times'
        ? 'Quiet hours need two different times, e.g. 22:00 and 07:00.'
        : `${escapeMrkdwn(problem.zone)} is not a time zone.`;
    case 'minValue':
      return 'The minimum value cannot be negative.';
    case 'pipeline':
      return 'The pipeline you picked no longer exists in the CRM.';
    case 'stages':
      return problem.problem === 'gone'
        ? 'Some of the stages you picked are not in the pipeline you picked, or no longer exist in the CRM: pick stages of that pipeline, or every pipeline.'
        : 'Stages to move into only apply to moves: tick “Moved”.';
  }
}

/** The use case refused the rule: every problem at once. */
export function alertRuleProblemsMessage(problems: AlertRuleProblem[]): Message {
  return usageMessage(`These alerts could not be set: ${problems.map(describeRuleProblem).join(' ')}`, null);
}

/** `/pipeline alerts …` typed wrong: the problem, then the usage. */
export function alertUsageMessage(problem: AlertProblem): Message {
  return usageMessage(`${describeAlertProblem(problem)}\n${ALERT_USAGE}`, null);
}

export const ALERT_USAGE = [
  '*Deal alerts for this channel*',
  `• ${codeSpan('/pipeline alerts')}: the settings`,
  `• ${codeSpan('/pipeline alerts all')} · ${codeSpan('/pipeline alerts won lost')} · ${codeSpan('/pipeline alerts moved won in Sales over 10k')}`,
  `• ${codeSpan('/pipeline alerts moved to Negotiation by me')} · ${codeSpan('/pipeline alerts all batched 15m quiet 22:00-07:00 thread')}`,
  `• ${codeSpan('/pipeline alerts list')} · ${codeSpan('/pipeline alerts off 2')} · ${codeSpan('/pipeline alerts off all')}`,
  `Events: ${codeSpan('new')} ${codeSpan('moved')} ${codeSpan('won')} ${codeSpan('lost')} ${codeSpan('reopened')} ${codeSpan('value')} ${codeSpan('pushed')} (close date), or ${codeSpan('all')}.`,
].join('\n');

const CLAUSE_EXAMPLES: Record<Extract<AlertProblem, { kind: 'missing' }>['clause'], string> = {
  pipeline: '/pipeline alerts won in Sales',
  amount: '/pipeline alerts won over 10k',
  stage: '/pipeline alerts moved to Negotiation',
  owner: '/pipeline alerts won by me',
};

const TWICE_WORDS: Record<Extract<AlertProblem, { kind: 'twice' }>['clause'], string> = {
  pipeline: 'one pipeline (leave it out for every pipeline)',
  amount: 'one minimum value',
  owner: 'one owner',
  delivery: 'one delivery: each event, or batched every N minutes',
  quiet: 'one quiet period',
};

const typed = (text: string): string => codeSpan(truncate(text, 40));

export function describeAlertProblem(problem: AlertProblem): string {
  switch (problem.kind) {
    case 'help':
      return 'Dealbot posts deal news here as it happens in the CRM.';
    case 'list-takes-nothing':
      return `${codeSpan('list')} takes nothing after it.`;
    case 'bad-off':
      return `To turn alerts off, give the number ${codeSpan('/pipeline alerts list')} shows, or ${codeSpan('all')}, not ${typed(problem.typed)}.`;
    case 'unknown-word':
      return /^\p{Lu}/u.test(problem.word)
        ? `I don’t know ${typed(problem.word)} here. For a pipeline, say ${codeSpan(`in ${truncate(problem.word, 40)}`)}.`
        : `I don’t know ${typed(problem.word)} here.`;
    case 'missing':
      return `Say which ${problem.clause}: ${codeSpan(CLAUSE_EXAMPLES[problem.clause])}.`;
    case 'bad-amount':
      return `${typed(problem.typed)} is not an amount. Try ${codeSpan('over 10k')} or ${codeSpan('over €10,000')}.`;
    case 'bad-batch':
      return `Batch alerts every ${problem.min} to ${problem.max} minutes, e.g. ${codeSpan('batched 15m')} or ${codeSpan('every hour')}; not ${typed(problem.typed)}.`;
    case 'bad-quiet':
      return `Give quiet hours as two different times, e.g. ${codeSpan('quiet 22:00-07:00')}; not ${typed(problem.typed)}.`;
    case 'unknown-zone':
      return `${typed(problem.typed)} is not a time zone I know.${zoneHint(problem.hint)}`;
    case 'twice':
      return `Give ${TWICE_WORDS[problem.clause]}.`;
  }
}

const listed = (items: readonly string[]): string => {
  const shown = items.slice(0, NAMES_MAX).map((n) => codeSpan(truncate(n, NAME_MAX)));
  return items.length > NAMES_MAX ? `${shown.join(', ')} and ${items.length - NAMES_MAX} more` : shown.join(', ');
};

/** A stage typed after `to` that fits none or several. */
export function noSingleStageMessage(input: { name: string; candidates: Stage[]; all: Stage[]; pipelineName: string | null }): Message {
  const where = input.pipelineName ? ` in ${escapeMrkdwn(input.pipelineName)}` : '';
  if (input.candidates.length > 1) {
    return usageMessage(
      `“${escapeMrkdwn(input.name)}” matches several stages${where}: ${listed(input.candidates.map((s) => s.name))}.`,
      null,
    );
  }
  const names = [...new Set(input.all.map((s) => s.name))];
  return usageMessage(`There is no stage called “${escapeMrkdwn(input.name)}”${where}. The stages are ${listed(names)}.`, null);
}

/** An owner typed after `by` that fits no single CRM user. */
export function noSingleOwnerMessage(input: { name: string; candidates: User[]; all: User[]; crmName: string }): Message {
  if (input.candidates.length > 1) {
    return usageMessage(
      `“${escapeMrkdwn(input.name)}” matches several ${escapeMrkdwn(input.crmName)} users: ${listed(input.candidates.map((u) => u.name))}.`,
      null,
    );
  }
  return usageMessage(
    `No ${escapeMrkdwn(input.crmName)} user is called “${escapeMrkdwn(input.name)}”. The users are ${listed(input.all.map((u) => u.name))}.`,
    null,
  );
}

/** `by me` or `/deal alerts me` from someone with no CRM user of their email. */
export function alertsNotLinkedMessage(input: { crmName: string; email: string | null }): Message {
  const crm = escapeMrkdwn(input.crmName);
  const why = input.email
    ? `no ${crm} user has your Slack email (${escapeMrkdwn(input.email)})`
    : `your Slack profile shows Dealbot no email to find your ${crm} user by`;
  return usageMessage(
    `Dealbot can’t tell which deals are yours: ${why}. Ask your ${crm} admin to add you with that email, then try again.`,
    null,
  );
}

/** `/deal alerts me`: on. */
export function personalAlertsOnMessage(input: { crmName: string; already: boolean }): Message {
  const crm = escapeMrkdwn(input.crmName);
  const line = input.already
    ? `🔔 Your deal alerts were already on: I send you a direct message when someone else changes a deal you own in ${crm}.`
    : `🔔 Done: I’ll send you a direct message when someone else changes a deal you own in ${crm} (created, moved, won, lost, reopened, value or close date changed).`;
  return message(line, [section(line), context(`Turn them off with ${codeSpan('/deal alerts me off')}`)]);
}

/** `/deal alerts me off`. */
export function personalAlertsOffMessage(input: { removed: number }): Message {
  return message(
    input.removed > 0
      ? `🔕 Done: no more direct messages about changes to your deals. ${codeSpan('/deal alerts me')} turns them back on.`
      : `Your deal alerts were not on. ${codeSpan('/deal alerts me')} turns them on.`,
  );
}

/** Alerts are not running in this Dealbot (no alert service wired). */
export function alertsUnavailableMessage(): Message {
  return usageMessage('Deal alerts are not running in this Dealbot. Ask your admin to check its logs.', null);
}

/** The DM to a person whose modal settings could not be applied after it closed. */
export function alertSettingsFailedNotice(input: { channelId: string; reason: string; saved: boolean }): Message {
  const where = channelMention(input.channelId);
  const line = input.saved
    ? `⚠️ Your deal alerts for ${where} are saved, but I could not tell the channel: ${escapeMrkdwn(input.reason)}.`
    : `⚠️ Your deal alerts for ${where} were not saved: ${escapeMrkdwn(input.reason)}. Nothing changed; try ${codeSpan('/pipeline alerts')} again in a minute.`;
  return message(line);
}
