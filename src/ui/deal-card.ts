// The deal card: one deal as Block Kit, with the buttons that make sense for its status.
// Every text from the CRM or a person is escaped; every control's value is the deal id (the
// Move select's options carry `{dealId, stageId}`), written here and read by the listeners.

import type { ActionsBlock, ActionsBlockElement, Button, KnownBlock, MrkdwnElement, PlainTextOption, StaticSelect } from '@slack/types';
import type { DateTime } from 'luxon';
import type { Deal, Pipeline, Stage, User } from '../crm/port.js';
import { formatExpectedClose, formatMoney, formatRelativeTime, statusLabel } from './format.js';
import { ActionId, SlackLimits, encodeDealStage } from './ids.js';
import { escapeMrkdwn, mrkdwnText, plainText, truncate } from './mrkdwn.js';
import { selectOptions } from './select-options.js';

export interface DealCardInput {
  deal: Deal;
  stage: Stage | null;
  pipeline: Pipeline | null;
  /** Stages of the deal's pipeline, for the Move select. */
  pipelineStages: Stage[];
  owner: User | null;
  crmName: string;
  /** IANA zone of the reader. */
  viewerZone: string;
  now: DateTime;
  /** Adds a "Share in channel" button. */
  ephemeral?: boolean;
  /**
   * The channel is shared with another organization (opened by an admin): "Share in channel"
   * asks first, since people outside the company will see the deal.
   */
  confirmShare?: boolean;
  /** A context line, already mrkdwn-safe, e.g. "Moved to *Proposal* by <@U1> just now". */
  context?: string;
  /** Puts an "Undo" button beside the context line; the value is the undo id. */
  undoId?: string;
}

/** Untrusted names are cut before escaping so the fields stay short and readable. */
const NAME_MAX = 150;
const REASON_MAX = 500;

const field = (label: string, value: string): MrkdwnElement => mrkdwnText(`*${label}*\n${value}`, SlackLimits.fieldText);

const untitled = (title: string): string => (title.trim() === '' ? 'Untitled deal' : title);

/** A link Slack will open: only http(s), within the url limit. */
const isOpenableUrl = (url: string | null): url is string => url !== null && url.length <= 3000 && /^https?:\/\/[^\s]+$/i.test(url);

function stageField(input: DealCardInput): string {
  const { stage, pipeline } = input;
  const name = stage ? escapeMrkdwn(truncate(stage.name, NAME_MAX)) : 'Unknown stage';
  return pipeline ? `${name} · ${escapeMrkdwn(truncate(pipeline.name, NAME_MAX))}` : name;
}

function statusField(deal: Deal): string {
  const label = statusLabel(deal.status);
  if (deal.status !== 'lost' || !deal.lostReason?.trim()) return label;
  return `${label}: ${escapeMrkdwn(truncate(deal.lostReason.trim(), REASON_MAX))}`;
}

function expectedCloseField(deal: Deal, now: DateTime): string | null {
  if (!deal.expectedCloseDate) return null;
  const close = formatExpectedClose(deal.expectedCloseDate, now);
  const when = close.relative === close.exact ? close.exact : `${close.relative} (${close.exact})`;
  return deal.status === 'open' && close.overdue ? `⚠️ Overdue: ${when}` : when;
}

function probabilityField(deal: Deal, stage: Stage | null): string | null {
  if (deal.probability !== null) return `${deal.probability}%`;
  if (stage?.probability != null) return `${stage.probability}% (stage default)`;
  return null;
}

function fields(input: DealCardInput, now: DateTime): MrkdwnElement[] {
  const { deal, owner } = input;
  const list: MrkdwnElement[] = [
    field('Value', deal.value ? formatMoney(deal.value) : '—'),
    field('Stage', stageField(input)),
    field('Status', statusField(deal)),
    field('Owner', owner ? escapeMrkdwn(truncate(owner.name, NAME_MAX)) : 'Unassigned'),
  ];
  if (deal.organization) list.push(field('Organization', escapeMrkdwn(truncate(deal.organization.name, NAME_MAX))));
  if (deal.person) list.push(field('Person', escapeMrkdwn(truncate(deal.person.name, NAME_MAX))));
  const close = expectedCloseField(deal, now);
  if (close) list.push(field('Expected close', close));
  const probability = probabilityField(deal, input.stage);
  if (probability) list.push(field('Probability', probability));
  return list.slice(0, SlackLimits.sectionFields);
}

const button = (text: string, actionId: string, dealId: string, style?: Button['style']): Button => ({
  type: 'button',
  text: plainText(text, SlackLimits.buttonText),
  action_id: actionId,
  value: dealId,
  ...(style ? { style } : {}),
});

/** Sharing a card in a channel with people from another organization asks first. */
const SHARE_OUTSIDE_CONFIRM: NonNullable<Button['confirm']> = {
  title: plainText('Share outside the company?', 100),
  text: plainText('This channel includes people from another organization. They will see this deal.', 300),
  confirm: plainText('Share it', 30),
  deny: plainText('Cancel', 30),
};

/** Option values are limited to 150 characters; an id pair longer than that cannot be offered. */
const OPTION_VALUE_MAX = 150;

function moveSelect(deal: Deal, pipelineStages: Stage[]): StaticSelect | null {
  const options: PlainTextOption[] = [...pipelineStages]
    .filter((s) => s.id !== deal.stageId)
    .sort((a, b) => a.order - b.order)
    .map((s) => ({ text: plainText(s.name, SlackLimits.optionText), value: encodeDealStage({ dealId: deal.id, stageId: s.id }) }))
    .filter((o) => o.value.length <= OPTION_VALUE_MAX);
  if (options.length === 0) return null;
  return {
    type: 'static_select',
    action_id: ActionId.cardMove,
    placeholder: plainText('Move to…', SlackLimits.optionText),
    // A long pipeline's stages in groups of 100, so every stage can be picked.
    ...selectOptions(options),
  };
}

function actions(input: DealCardInput): ActionsBlock {
  const { deal } = input;
  const elements: ActionsBlockElement[] = [];
  if (deal.status === 'open') {
    const move = moveSelect(deal, input.pipelineStages);
    if (move) elements.push(move);
    elements.push(button('Won', ActionId.cardWon, deal.id, 'primary'), button('Lost', ActionId.cardLost, deal.id, 'danger'));
  } else {
    elements.push(button('Reopen', ActionId.cardReopen, deal.id));
  }
  elements.push(button('Timeline', ActionId.cardTimeline, deal.id));
  if (isOpenableUrl(deal.url)) {
    elements.push({ ...button(`Open in ${input.crmName}`, ActionId.cardOpenInCrm, deal.id), url: deal.url });
  }
  if (input.ephemeral) {
    const share = button('Share in channel', ActionId.cardShare, deal.id);
    elements.push(input.confirmShare ? { ...share, confirm: SHARE_OUTSIDE_CONFIRM } : share);
  }
  return { type: 'actions', elements: elements.slice(0, SlackLimits.actionsElements) };
}

/** The plain fallback Slack shows in notifications; escaped, since it is parsed as mrkdwn too. */
function fallback(input: DealCardInput): string {
  const { deal, stage } = input;
  const parts = [
    `#${deal.id} ${untitled(truncate(deal.title, NAME_MAX))}`,
    deal.value ? formatMoney(deal.value) : null,
    stage ? truncate(stage.name, NAME_MAX) : null,
    statusLabel(deal.status),
  ].filter((p): p is string => p !== null);
  const summary = escapeMrkdwn(parts.join(' · '));
  return input.context ? `${input.context}: ${summary}` : summary;
}

export function dealCard(input: DealCardInput): { text: string; blocks: KnownBlock[] } {
  const { deal } = input;
  // An unknown zone (a stale Slack profile) falls back to the zone `now` came with.
  const zoned = input.now.setZone(input.viewerZone);
  const now = zoned.isValid ? zoned : input.now;
  const blocks: KnownBlock[] = [];
  if (input.context && input.undoId) {
    blocks.push({
      type: 'section',
      text: mrkdwnText(input.context, SlackLimits.sectionText),
      accessory: button('Undo', ActionId.undoChange, input.undoId),
    });
  } else if (input.context) {
    blocks.push({ type: 'context', elements: [mrkdwnText(input.context, SlackLimits.sectionText)] });
  }
  blocks.push(
    { type: 'header', text: plainText(untitled(deal.title), SlackLimits.headerText) },
    { type: 'section', fields: fields(input, now) },
    {
      type: 'context',
      elements: [mrkdwnText(`#${escapeMrkdwn(deal.id)} · created ${formatRelativeTime(deal.createdAt, now)}`, SlackLimits.sectionText)],
    },
    actions(input),
  );
  return { text: fallback(input), blocks };
}
