// One deal's timeline as a message: a summary line (age, time in stage, stage moves, days to
// close), then the history newest first, each entry a section saying what changed and a
// context line saying who, when (relative, in the viewer's zone) and the exact time. A
// "Show older" button carries the deal id and the cursor of the next page. When the CRM
// keeps no history the message says so instead of showing an empty list; when the entries
// are Dealbot's own journal of a CRM without history, it says that too, so nobody takes them
// for the CRM's complete record.

import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { DateTime } from 'luxon';
import type { Deal, DealChange, DealField } from '../crm/port.js';
import type { DealTimelineSummary, HistorySource } from '../services/deal-timeline.js';
import { formatDay, formatExpectedClose, formatMoney, formatRelativeTime } from './format.js';
import { ActionId, SlackLimits } from './ids.js';
import { escapeMrkdwn, mrkdwnText, plainText, truncate } from './mrkdwn.js';
import { dealFieldLabel } from './deal-field-names.js';
import type { AuditEntry } from '../services/audit-trail.js';
import { auditTimelineText } from './audit-view.js';

type Message = { text: string; blocks: KnownBlock[] };

/** What the "Show older" button carries; the listener passes `cursor` back to `loadDealTimeline`. */
export interface TimelineOlderValue {
  dealId: string;
  cursor: string;
}

export const encodeTimelineOlder = (value: TimelineOlderValue): string => JSON.stringify({ dealId: value.dealId, cursor: value.cursor });

export interface DealTimelineInput {
  deal: Deal;
  /** Newest first. */
  changes: DealChange[];
  stageNames: Map<string, string>;
  /** CRM user id → name; an actor not in it is shown as the CRM gave it. */
  userNames: Map<string, string>;
  /** Null leaves the summary line out. */
  summary: DealTimelineSummary | null;
  viewerZone: string;
  now: DateTime;
  nextCursor: string | null;
  crmName: string;
  /** False when the CRM keeps no history. */
  supported: boolean;
  /** `dealbot`: the entries are Dealbot's journal, not the CRM's history (absent = `crm`). */
  historySource?: HistorySource;
  /** The journal's oldest entry, when known (`DealTimeline.journalSince`). */
  journalSince?: DateTime | null;
  /** Set on the pages "Show older" loads: the message then says they are older entries. */
  olderPage?: boolean;
  /** Dealbot's audit entries of this deal (newest first): "Marked won by @ada via Dealbot". */
  audit?: AuditEntry[];
}

const TITLE_MAX = 150;
const NAME_MAX = 80;
const VALUE_MAX = 200;
const TEXT_MAX = 600;
/**
 * Two blocks per entry; with header, summary, the journal notice, a notice and the buttons a
 * message stays at 45 of 50 blocks.
 */
const ENTRIES_MAX = 20;

const section = (text: string): KnownBlock => ({ type: 'section', text: mrkdwnText(text, SlackLimits.sectionText) });
const context = (text: string): KnownBlock => ({ type: 'context', elements: [mrkdwnText(text, SlackLimits.sectionText)] });

const untitled = (title: string): string => (title.trim() === '' ? 'Untitled deal' : title);
const safe = (text: string, max: number): string => escapeMrkdwn(truncate(text.replace(/\s+/g, ' ').trim(), max));
const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** `label` is the CRM's own name for the stage, for one the stage list no longer has. */
function stageName(id: string | null, names: Map<string, string>, label?: string | null): string {
  if (id === null) return 'no stage';
  const name = names.get(id) ?? (label?.trim() ? label : undefined);
  return name ? `*${safe(name, NAME_MAX)}*` : `stage #${safe(id, NAME_MAX)}`;
}

const FIELD_ICONS: Partial<Record<DealField, string>> = {
  value: '💰',
  currency: '💰',
  ownerId: '👤',
  expectedCloseDate: '📅',
  probability: '🎯',
  title: '✏️',
};

/**
 * A field's old or new value as a person reads it: names for ids, money, dates, percents.
 * `label` is the CRM's own name for the value (an owner since removed from the user list).
 */
function fieldValue(field: DealField, raw: string, input: DealTimelineInput, now: DateTime, label?: string | null): string {
  const value = raw.trim();
  const crmLabel = label?.trim() ? safe(label, NAME_MAX) : null;
  switch (field) {
    case 'ownerId': {
      const name = input.userNames.get(value);
      return name ? safe(name, NAME_MAX) : (crmLabel ?? `user #${safe(value, NAME_MAX)}`);
    }
    case 'organizationId':
    case 'personId':
    case 'pipelineId':
      return crmLabel ?? `“${safe(value, VALUE_MAX)}”`;
    case 'stageId':
      return stageName(value, input.stageNames);
    case 'value': {
      const amount = Number(value);
      const currency = input.deal.value?.currency;
      return currency && value !== '' && Number.isFinite(amount) ? formatMoney({ amount, currency }) : safe(value, VALUE_MAX);
    }
    case 'probability':
      return /^\d+(\.\d+)?$/.test(value) ? `${value}%` : safe(value, VALUE_MAX);
    case 'expectedCloseDate': {
      const day = DateTime.fromISO(value, { zone: now.zone });
      return /^\d{4}-\d{2}-\d{2}$/.test(value) && day.isValid ? formatDay(day, now) : safe(value, VALUE_MAX);
    }
    default:
      return `“${safe(value, VALUE_MAX)}”`;
  }
}

function fieldChange(change: Extract<DealChange, { kind: 'field' }>, input: DealTimelineInput, now: DateTime): string {
  const icon = FIELD_ICONS[change.field] ?? '✏️';
  const label = `${icon} *${dealFieldLabel(change.field)}*`;
  const from =
    change.from === null || change.from.trim() === '' ? null : fieldValue(change.field, change.from, input, now, change.fromLabel);
  const to = change.to === null || change.to.trim() === '' ? null : fieldValue(change.field, change.to, input, now, change.toLabel);
  if (from === null && to === null) return `${label} changed`;
  if (from === null) return `${label} set to ${to}`;
  if (to === null) return `${label} cleared (was ${from})`;
  return `${label} ${from} → ${to}`;
}

/** What happened, as one mrkdwn line (a note or a long reason may wrap). */
function describe(change: DealChange, input: DealTimelineInput, now: DateTime): string {
  switch (change.kind) {
    case 'created':
      return '🆕 *Deal created*';
    case 'stage':
      return change.fromStageId === null
        ? `➡️ Entered ${stageName(change.toStageId, input.stageNames, change.toLabel)}`
        : `➡️ Moved from ${stageName(change.fromStageId, input.stageNames, change.fromLabel)} to ${stageName(change.toStageId, input.stageNames, change.toLabel)}`;
    case 'status': {
      if (change.to === 'won') return '🏆 Marked *won*';
      if (change.to === 'lost') {
        const reason = change.lostReason?.trim();
        return reason ? `✖ Marked *lost*: ${safe(reason, TEXT_MAX)}` : '✖ Marked *lost*';
      }
      return change.from === null ? '🟢 Opened' : `🔄 *Reopened* (was ${change.from})`;
    }
    case 'field':
      return fieldChange(change, input, now);
    case 'note': {
      const text = truncate(change.text.trim(), TEXT_MAX);
      return text === '' ? '📝 *Note* added' : `📝 *Note*: ${escapeMrkdwn(text)}`;
    }
    case 'activity': {
      const subject = change.subject.trim() === '' ? 'an activity' : `“${safe(change.subject, NAME_MAX * 2)}”`;
      return change.done ? `✅ *Activity done*: ${subject}` : `🗓️ *Activity planned*: ${subject}`;
    }
  }
}

/** "by Ada Lovelace · 3 days ago · Tue, Mar 3, 2026 at 14:05 GMT+1". */
function whoAndWhen(change: DealChange, input: DealTimelineInput, now: DateTime): string {
  const actor = change.actor?.trim() ? (input.userNames.get(change.actor) ?? change.actor) : null;
  const by = actor ? `by ${safe(actor, NAME_MAX)}` : null;
  // An all-day activity is on a calendar day, not at an instant: the same day for every
  // reader, where its midnight-UTC stamp would read as the day before west of UTC.
  const allDayDate = change.kind === 'activity' ? change.allDayDate : null;
  const allDay = allDayDate ? DateTime.fromISO(allDayDate, { zone: now.zone }) : null;
  if (allDayDate && allDay?.isValid) {
    const { relative } = formatExpectedClose(allDayDate, now);
    return [by, relative, `${allDay.setLocale('en-US').toFormat('ccc, LLL d, yyyy')} (all day)`].filter((p) => p !== null).join(' · ');
  }
  const at = change.at.setZone(now.zone).setLocale('en-US');
  const exact = at.toFormat("ccc, LLL d, yyyy 'at' HH:mm ZZZZ");
  return [by, formatRelativeTime(change.at, now), exact].filter((p) => p !== null).join(' · ');
}

function daysText(days: number): string {
  return days === 0 ? 'less than a day' : plural(days, 'day');
}

/** "Created 45 days ago · in *Proposal* for 12 days · at least 3 stage moves · closes in 5 days". */
function summaryLine(input: DealTimelineInput, now: DateTime): string | null {
  const { summary, deal } = input;
  if (!summary) return null;
  const parts: string[] = [];
  parts.push(summary.ageDays === 0 ? 'Created today' : `${plural(summary.ageDays, 'day')} old`);
  const stage = stageName(deal.stageId, input.stageNames);
  if (deal.status === 'open') {
    parts.push(summary.daysInStage === null ? `in ${stage}` : `in ${stage} for ${daysText(summary.daysInStage)}`);
  }
  if (input.supported) {
    if (summary.stageMoves === 0 && input.historySource === 'dealbot') parts.push('no stage moves seen by Dealbot');
    else if (summary.stageMoves === 0) parts.push(summary.stageMovesAtLeast ? 'no stage moves among these entries' : 'no stage moves');
    else parts.push(`${summary.stageMovesAtLeast ? 'at least ' : ''}${plural(summary.stageMoves, 'stage move')}`);
  }
  if (summary.closed) {
    const label = summary.closed.status === 'won' ? '🏆 Won' : '✖ Lost';
    parts.push(summary.closed.at ? `${label} ${formatRelativeTime(summary.closed.at, now)}` : label);
  } else if (summary.daysToClose === null) {
    parts.push('no expected close date');
  } else if (summary.daysToClose === 0) {
    parts.push('expected to close today');
  } else if (summary.daysToClose > 0) {
    parts.push(`expected to close in ${plural(summary.daysToClose, 'day')}`);
  } else {
    parts.push(`⚠️ overdue by ${plural(-summary.daysToClose, 'day')}`);
  }
  return parts.join(' · ');
}

const button = (label: string, actionId: string, value: string): Button => ({
  type: 'button',
  text: plainText(label, SlackLimits.buttonText),
  action_id: actionId,
  value,
});

const isOpenableUrl = (url: string | null): url is string => url !== null && url.length <= 3000 && /^https?:\/\/[^\s]+$/i.test(url);

function actions(input: DealTimelineInput): { block: ActionsBlock; olderDropped: boolean } {
  const elements: Button[] = [];
  let olderDropped = false;
  if (input.nextCursor !== null) {
    const value = encodeTimelineOlder({ dealId: input.deal.id, cursor: input.nextCursor });
    // A CRM cursor too long for a button cannot be carried; the message says where to look instead.
    if (value.length <= SlackLimits.actionValue) elements.push(button('Show older', ActionId.timelineOlder, value));
    else olderDropped = true;
  }
  elements.push(button('Deal card', ActionId.openDeal, input.deal.id));
  if (isOpenableUrl(input.deal.url)) {
    elements.push({ ...button(`Open in ${input.crmName}`, ActionId.cardOpenInCrm, input.deal.id), url: input.deal.url });
  }
  return { block: { type: 'actions', elements }, olderDropped };
}

export function dealTimelineMessage(input: DealTimelineInput): Message {
  const { deal } = input;
  // An unknown zone (a stale Slack profile) falls back to the zone `now` came with.
  const zoned = input.now.setZone(input.viewerZone);
  const now = zoned.isValid ? zoned : input.now;
  const crm = safe(input.crmName, NAME_MAX);
  const title = untitled(deal.title);

  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: plainText(`${input.olderPage ? 'Older history' : 'Timeline'}: ${truncate(title, TITLE_MAX)}`, SlackLimits.headerText),
    },
  ];
  const summary = summaryLine(input, now);
  if (summary) blocks.push(context(summary));
  // Who really made Dealbot's changes, whoever the CRM's own history names (the shared token's owner).
  const throughDealbot = input.olderPage ? null : auditTimelineText(input.audit ?? []);
  if (throughDealbot) blocks.push(section(throughDealbot));

  const journal = input.supported && input.historySource === 'dealbot';
  if (!input.supported) {
    blocks.push(section(`ℹ️ ${crm} keeps no stage history Dealbot can read, so there are no entries to show for this deal.`));
  } else if (input.changes.length === 0) {
    if (input.olderPage) blocks.push(section('No older entries.'));
    else if (journal) blocks.push(section(`ℹ️ ${crm} keeps no stage history, and Dealbot has seen no change to this deal yet.`));
    else blocks.push(section('No history recorded for this deal yet.'));
  } else if (journal) {
    const since = input.journalSince ? ` since ${formatDay(input.journalSince, now)}` : '';
    blocks.push(context(`ℹ️ ${crm} keeps no stage history; showing the changes Dealbot saw${since}.`));
  }

  const shown = input.supported ? input.changes.slice(0, ENTRIES_MAX) : [];
  for (const change of shown) {
    blocks.push(section(describe(change, input, now)), context(whoAndWhen(change, input, now)));
  }

  const { block, olderDropped } = actions(input);
  const hidden = input.supported ? input.changes.length - shown.length : 0;
  const notes: string[] = [];
  if (hidden > 0) notes.push(`and ${hidden} more ${hidden === 1 ? 'entry' : 'entries'} not shown here`);
  if (olderDropped) notes.push(`older entries are in ${crm}`);
  if (notes.length > 0) blocks.push(context(notes.join(' · ')));
  blocks.push(block);

  const count = input.supported ? ` (${shown.length} ${shown.length === 1 ? 'entry' : 'entries'})` : '';
  const text = `${input.olderPage ? 'Older history' : 'Timeline'} of ${safe(title, TITLE_MAX)}${count}`;
  return { text, blocks };
}
