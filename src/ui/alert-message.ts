// What a channel (or a person, by DM) sees of a deal alert. Pure functions of the events:
// - `alertMessage`: one change, short — who (when known), what, the deal's title linked to
//   the CRM, its value, from → to stage, the lost reason — with the deal card's buttons (the
//   card's own action ids and values, so the card's listeners handle them);
// - `alertThreadParent`: a deal's first alert in a "one thread per deal" channel, a compact
//   card later alerts reply under; redrawn in place with the deal's latest state;
// - `alertBatchMessage`: several changes in one message, each deal on one line with its
//   events merged ("created and moved to *Proposal*") and an Open button for its card;
// - `alertCapMessage`: the hour's last message, "and N more — see the digest";
// - `alertsPausedNotice`: the DM to a subscription's author when Slack stopped taking them.
// Every CRM and person text is escaped; Block Kit limits hold for any number of events.

import type { ActionsBlock, ActionsBlockElement, Button, KnownBlock, PlainTextOption, StaticSelect } from '@slack/types';
import { DateTime } from 'luxon';
import type { Money, Pipeline, Stage, User } from '../crm/port.js';
import type { AlertSubscription } from '../domain/alert-subscription.js';
import { snapshotUrl, type DealEvent, type DealSnapshot } from '../domain/deal-events.js';
import { channelMention } from './digest-notices.js';
import { describePauseReason } from './digest-words.js';
import { slackDate } from './deal-change.js';
import { formatExpectedClose, formatMoney, statusLabel } from './format.js';
import { ActionId, SlackLimits, encodeDealStage } from './ids.js';
import { escapeMrkdwn, mrkdwnLink, mrkdwnText, plainText, truncate, userMention } from './mrkdwn.js';
import { selectOptions } from './select-options.js';

type Message = { text: string; blocks: KnownBlock[] };

/** What the renderers need besides the events: reference data by id (cached lists), the CRM's name, the reader's clock. */
export interface AlertContext {
  stages: ReadonlyMap<string, Stage>;
  pipelines: ReadonlyMap<string, Pipeline>;
  /** CRM users by id (owners, and who made a change in the CRM). */
  users: ReadonlyMap<string, User>;
  crmName: string;
  /** Now, in the reader's zone (a channel has no zone: the workspace's, or UTC). */
  now: DateTime;
}

const TITLE_MAX = 150;
const NAME_MAX = 80;
const REASON_MAX = 300;
const OPTION_VALUE_MAX = 150;
/** Deal lines of a batch, each a section with its Open button; the rest are counted. */
const BATCH_DEALS_MAX = SlackLimits.messageBlocks - 3;

const section = (text: string): KnownBlock => ({ type: 'section', text: mrkdwnText(text, SlackLimits.sectionText) });
const context = (text: string): KnownBlock => ({ type: 'context', elements: [mrkdwnText(text, SlackLimits.sectionText)] });

/** The deal's address in the CRM, when the source knew it and Slack can open it. */
export function dealUrlOf(deal: DealSnapshot): string | null {
  const url = snapshotUrl(deal);
  return url !== null && url.length <= 3000 && /^https?:\/\/\S+$/i.test(url) ? url : null;
}

const untitled = (title: string): string => (title.trim() === '' ? 'Untitled deal' : title.replace(/\s+/g, ' ').trim());

/** `*<url|Title>*` (a link to the deal in the CRM), or `*Title*` without a url; the title escaped. */
function dealTitle(deal: DealSnapshot): string {
  const title = truncate(untitled(deal.title), TITLE_MAX);
  const url = dealUrlOf(deal);
  return url ? `*${mrkdwnLink(url, title)}*` : `*${escapeMrkdwn(title)}*`;
}

const stageName = (id: string | null, ctx: AlertContext): string =>
  id === null ? 'an unknown stage' : `*${escapeMrkdwn(truncate(ctx.stages.get(id)?.name ?? `stage ${id}`, NAME_MAX))}*`;

const money = (value: Money | null): string => (value ? formatMoney(value) : 'no value');

/** Who made the change, as the channel can read it, or null when no source said. */
function who(event: DealEvent, ctx: AlertContext): string | null {
  const actor = event.actor;
  if (!actor) return null;
  if (actor.slackUserId) return userMention(actor.slackUserId);
  const name = actor.name ?? (actor.crmUserId ? ctx.users.get(actor.crmUserId)?.name : null);
  return name ? escapeMrkdwn(truncate(name, NAME_MAX)) : null;
}

const closeDate = (date: string | null, ctx: AlertContext): string => (date ? formatExpectedClose(date, ctx.now).exact : 'no date');

/** The one line of an alert: emoji, who, what, the deal, its value, and the change's details. */
export function alertLine(event: DealEvent, ctx: AlertContext): string {
  const actor = who(event, ctx);
  const title = dealTitle(event.deal);
  const value = event.deal.value ? ` — ${formatMoney(event.deal.value)}` : '';
  const by = (verb: string, passive: string): string => (actor ? `${actor} ${verb} ${title}` : `${title} ${passive}`);
  switch (event.kind) {
    case 'created':
      return `🆕 ${by('created', 'was created')}${value} in ${stageName(event.deal.stageId, ctx)}`;
    case 'moved': {
      const pipelineChanged = event.fromPipelineId !== null && event.fromPipelineId !== event.deal.pipelineId;
      const into = pipelineChanged
        ? `${stageName(event.toStageId, ctx)} (${escapeMrkdwn(truncate(ctx.pipelines.get(event.deal.pipelineId)?.name ?? 'another pipeline', NAME_MAX))})`
        : stageName(event.toStageId, ctx);
      return `➡️ ${by('moved', 'moved')}${value}: ${stageName(event.fromStageId, ctx)} → ${into}`;
    }
    case 'won':
      return `🏆 ${by('won', 'was won')}${value}`;
    case 'lost': {
      const reason = event.lostReason?.trim();
      return `✖ ${actor ? `${actor} marked ${title} lost` : `${title} was lost`}${value}${reason ? `: ${escapeMrkdwn(truncate(reason, REASON_MAX))}` : ''}`;
    }
    case 'reopened':
      return `↩️ ${by('reopened', 'was reopened')}${value}`;
    case 'value':
      return `💰 ${actor ? `${actor} changed the value of ${title}` : `The value of ${title} changed`}: ${money(event.from)} → ${money(event.to)}`;
    case 'closeDatePushed':
      return `📅 ${actor ? `${actor} pushed the expected close of ${title}` : `The expected close of ${title} was pushed`}: ${closeDate(event.from, ctx)} → ${closeDate(event.to, ctx)}`;
  }
}

const button = (text: string, actionId: string, value: string, style?: Button['style']): Button => ({
  type: 'button',
  text: plainText(text, SlackLimits.buttonText),
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
});

/** The deal card's controls for the deal as the event left it (`ui/deal-card.ts`: same ids, same values). */
export function alertActions(deal: DealSnapshot, ctx: AlertContext): ActionsBlock {
  const elements: ActionsBlockElement[] = [];
  if (deal.status === 'open') {
    const options: PlainTextOption[] = [...ctx.stages.values()]
      .filter((s) => s.pipelineId === deal.pipelineId && s.id !== deal.stageId && !s.closes)
      .sort((a, b) => a.order - b.order)
      .map((s) => ({ text: plainText(s.name, SlackLimits.optionText), value: encodeDealStage({ dealId: deal.dealId, stageId: s.id }) }))
      .filter((o) => o.value.length <= OPTION_VALUE_MAX);
    if (options.length > 0) {
      const move: StaticSelect = {
        type: 'static_select',
        action_id: ActionId.cardMove,
        placeholder: plainText('Move to…', SlackLimits.optionText),
        ...selectOptions(options),
      };
      elements.push(move);
    }
    elements.push(button('Won', ActionId.cardWon, deal.dealId, 'primary'), button('Lost', ActionId.cardLost, deal.dealId, 'danger'));
  } else {
    elements.push(button('Reopen', ActionId.cardReopen, deal.dealId));
  }
  elements.push(button('Timeline', ActionId.cardTimeline, deal.dealId));
  const url = dealUrlOf(deal);
  if (url) elements.push({ ...button(`Open in ${ctx.crmName}`, ActionId.cardOpenInCrm, deal.dealId), url });
  return { type: 'actions', elements: elements.slice(0, SlackLimits.actionsElements) };
}

/** `#42 · Sales · today at 10:02` under an alert. */
function aboutLine(event: DealEvent, ctx: AlertContext): string {
  const pipeline = ctx.pipelines.get(event.deal.pipelineId)?.name;
  const at = DateTime.fromISO(event.at, { zone: 'utc' });
  const parts = [`#${escapeMrkdwn(truncate(event.dealId, NAME_MAX))}`, pipeline ? escapeMrkdwn(truncate(pipeline, NAME_MAX)) : null];
  // A date token: each reader sees the time in their own zone, and it never goes stale.
  if (at.isValid) parts.push(slackDate(at));
  return parts.filter((p): p is string => p !== null).join(' · ');
}

/** The notification text Slack shows (and screen readers read): the line without its emoji. */
const fallback = (line: string): string => truncate(line.replace(/^\S+\s/, ''), SlackLimits.sectionText);

/** One change, with the card's buttons. */
export function alertMessage(event: DealEvent, ctx: AlertContext): Message {
  const line = alertLine(event, ctx);
  return {
    text: fallback(line),
    blocks: [section(line), context(aboutLine(event, ctx)), alertActions(event.deal, ctx)],
  };
}

/** The card a deal's thread hangs under: the deal as `latest` left it, and what happened last. */
export function alertThreadParent(latest: DealEvent, ctx: AlertContext): Message {
  const deal = latest.deal;
  const stage = ctx.stages.get(deal.stageId);
  const pipeline = ctx.pipelines.get(deal.pipelineId);
  const owner = deal.ownerId ? ctx.users.get(deal.ownerId) : undefined;
  const field = (label: string, value: string) => mrkdwnText(`*${label}*\n${value}`, SlackLimits.fieldText);
  const stageText = `${escapeMrkdwn(truncate(stage?.name ?? 'Unknown stage', NAME_MAX))}${pipeline ? ` · ${escapeMrkdwn(truncate(pipeline.name, NAME_MAX))}` : ''}`;
  const status =
    deal.status === 'lost' && deal.lostReason?.trim()
      ? `${statusLabel('lost')}: ${escapeMrkdwn(truncate(deal.lostReason.trim(), REASON_MAX))}`
      : statusLabel(deal.status);
  const fields = [
    field('Value', deal.value ? formatMoney(deal.value) : '—'),
    field('Stage', stageText),
    field('Status', status),
    field('Owner', owner ? escapeMrkdwn(truncate(owner.name, NAME_MAX)) : deal.ownerId ? 'Unknown' : 'Unassigned'),
  ];
  if (deal.expectedCloseDate) fields.push(field('Expected close', closeDate(deal.expectedCloseDate, ctx)));
  const line = alertLine(latest, ctx);
  return {
    text: fallback(line),
    blocks: [
      section(dealTitle(deal)),
      { type: 'section', fields },
      context(`Latest: ${line} · ${aboutLine(latest, ctx)} · updates in the thread`),
      alertActions(deal, ctx),
    ],
  };
}

/** "created and moved to *Proposal*": a deal's events in one window, in order, repeats folded. */
export function mergedChanges(events: readonly DealEvent[], ctx: AlertContext): string {
  const phrases: string[] = [];
  let i = 0;
  const sorted = [...events].sort((a, b) => a.at.localeCompare(b.at));
  while (i < sorted.length) {
    const event = sorted[i]!;
    // Consecutive changes of one kind read as one: moved twice is "moved to" the last stage.
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]!.kind === event.kind) j += 1;
    const last = sorted[j]!;
    switch (last.kind) {
      case 'created':
        phrases.push('created');
        break;
      case 'moved':
        phrases.push(`moved to ${stageName(last.toStageId, ctx)}`);
        break;
      case 'won':
        phrases.push('won');
        break;
      case 'lost': {
        const reason = last.lostReason?.trim();
        phrases.push(reason ? `lost (${escapeMrkdwn(truncate(reason, REASON_MAX))})` : 'lost');
        break;
      }
      case 'reopened':
        phrases.push('reopened');
        break;
      case 'value': {
        const from = event.kind === 'value' ? event.from : null;
        phrases.push(`value ${money(from)} → ${money(last.to)}`);
        break;
      }
      case 'closeDatePushed':
        phrases.push(`close pushed to ${closeDate(last.to, ctx)}`);
        break;
    }
    i = j + 1;
  }
  if (phrases.length <= 1) return phrases.join('');
  return `${phrases.slice(0, -1).join(', ')} and ${phrases.at(-1)}`;
}

/** A deal's line in a batch: title, value, what happened, and by whom when one person did it all. */
function batchLine(events: readonly DealEvent[], ctx: AlertContext): string {
  const latest = [...events].sort((a, b) => a.at.localeCompare(b.at)).at(-1)!;
  const value = latest.deal.value ? ` — ${formatMoney(latest.deal.value)}` : '';
  const actors = [...new Set(events.map((e) => who(e, ctx)).filter((a): a is string => a !== null))];
  const by = actors.length === 1 ? ` (${actors[0]})` : '';
  return `${dealTitle(latest.deal)}${value}: ${mergedChanges(events, ctx)}${by}`;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * Several changes as one message: a heading, then one line per deal (its events merged) with
 * an Open button for the deal's card; past what one message holds, "and N more deals".
 */
export function alertBatchMessage(input: {
  events: readonly DealEvent[];
  ctx: AlertContext;
  reason: 'window' | 'quiet-hours';
  /** The batch window, for the heading. */
  everyMinutes?: number | null;
}): Message {
  const { ctx } = input;
  const byDeal = new Map<string, DealEvent[]>();
  for (const event of input.events) byDeal.set(event.dealId, [...(byDeal.get(event.dealId) ?? []), event]);
  const deals = [...byDeal.values()];
  const changes = plural(input.events.length, 'change');
  const dealCount = plural(deals.length, 'deal');
  const heading =
    input.reason === 'quiet-hours'
      ? `🌙 While quiet hours held alerts: ${changes} to ${dealCount}`
      : `🗞️ ${changes} to ${dealCount}${input.everyMinutes ? ` in the last ${plural(input.everyMinutes, 'minute')}` : ''}`;
  const blocks: KnownBlock[] = [section(`*${heading}*`)];
  const shown = deals.slice(0, BATCH_DEALS_MAX);
  for (const events of shown) {
    blocks.push({
      type: 'section',
      text: mrkdwnText(batchLine(events, ctx), SlackLimits.sectionText),
      accessory: button('Open', ActionId.openDeal, events[0]!.dealId),
    });
  }
  const rest = deals.length - shown.length;
  if (rest > 0) blocks.push(context(`…and ${plural(rest, 'more deal')} — see the digest`));
  return { text: heading, blocks: blocks.slice(0, SlackLimits.messageBlocks) };
}

/** The hour's last message: the rest are counted, not posted. Updated in place as more come. */
export function alertCapMessage(input: { more: number; perHour: number }): Message {
  const text = `…and ${plural(input.more, 'more alert')} this hour — see the digest`;
  return {
    text,
    blocks: [
      section(`🔕 ${text}`),
      context(
        `This conversation gets at most ${input.perHour} alert messages an hour, so it stays readable; the next ones come after the hour.`,
      ),
    ],
  };
}

/** The DM to whoever set alerts that Slack stopped taking: why, and what to do. */
export function alertsPausedNotice(input: { subscription: AlertSubscription; code: string }): Message {
  const { subscription, code } = input;
  const where = subscription.target.kind === 'channel' ? channelMention(subscription.target.channelId) : 'your direct messages';
  const why = escapeMrkdwn(truncate(describePauseReason(code), 300));
  const fix =
    code === 'not_in_channel' || code === 'channel_not_found'
      ? ' Invite me back with `/invite @Dealbot` and set them again with `/pipeline alerts` there.'
      : ' Once that is sorted out, set them again with `/pipeline alerts` there.';
  const text = `⏸️ I paused the deal alerts you set in ${where}: ${why}.${fix}`;
  return { text, blocks: [section(text)] };
}
