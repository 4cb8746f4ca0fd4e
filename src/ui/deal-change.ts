// Who did what to a deal, and when: the line a live card carries after a move, a win, a
// loss or a reopen ("Moved from *Qualified* to *Proposal* by @ada · today at 10:02"), and
// the small confirmation with an Undo button the person who did it gets. The time is a
// Slack date token, so every reader sees it in their own time zone.

import type { KnownBlock } from '@slack/types';
import type { DateTime } from 'luxon';
import type { Deal, Stage } from '../crm/port.js';
import { ActionId, SlackLimits } from './ids.js';
import { escapeMrkdwn, mrkdwnText, plainText, truncate, userMention } from './mrkdwn.js';

/** `<!date^…>`: Slack renders it in the reader's zone; the fallback is for notifications. */
export function slackDate(at: DateTime): string {
  const seconds = Math.floor(at.toSeconds());
  const fallback = at.toUTC().toFormat("d LLL yyyy HH:mm 'UTC'");
  return `<!date^${seconds}^{date_short_pretty} at {time}|${fallback}>`;
}

/** `what` is mrkdwn already made safe: "Moved from *Qualified* to *Proposal*". */
export function changeLine(what: string, actorUserId: string, at: DateTime): string {
  return `${what} by ${userMention(actorUserId)} · ${slackDate(at)}`;
}

/** "✓ Moved *Acme* to *Proposal*." with an Undo button valid for `minutes`. */
export function changeConfirmation(input: { text: string; undoId: string; minutes: number }): { text: string; blocks: KnownBlock[] } {
  return {
    text: input.text,
    blocks: [
      {
        type: 'section',
        text: mrkdwnText(input.text, SlackLimits.sectionText),
        accessory: { type: 'button', text: plainText('Undo', SlackLimits.buttonText), action_id: ActionId.undoChange, value: input.undoId },
      },
      { type: 'context', elements: [mrkdwnText(`Undo works for ${input.minutes} minutes.`, SlackLimits.sectionText)] },
    ],
  };
}

/** The note on a card sent from the Home tab as a DM. */
export function openedFromHomeLine(actorUserId: string, at: DateTime): string {
  return changeLine('Opened from Home', actorUserId, at);
}

const TITLE_MAX = 150;
const REASON_MAX = 300;

const boldTitle = (deal: Deal): string => `*${escapeMrkdwn(truncate(deal.title.trim() || 'Untitled deal', TITLE_MAX))}*`;
const boldName = (name: string): string => `*${escapeMrkdwn(name)}*`;

/** "Moved from *Qualified* to *Proposal* by @ada · today at 10:02". */
export function movedLine(from: Stage | null, to: Stage, actorUserId: string, at: DateTime): string {
  return changeLine(`Moved${from ? ` from ${boldName(from.name)}` : ''} to ${boldName(to.name)}`, actorUserId, at);
}

export function movedConfirmationText(deal: Deal, to: Stage): string {
  return `✓ Moved ${boldTitle(deal)} to ${boldName(to.name)}.`;
}

export function alreadyInStageNote(stage: Stage): string {
  return `Already in ${boldName(stage.name)}; nothing changed.`;
}

/** A won, lost or reopen that asked for what already is. */
export function statusUnchangedNote(deal: Deal): string {
  return `${deal.status === 'open' ? 'Already open' : `Already marked ${deal.status}`}; nothing changed.`;
}

/** The line a card carries after a win, a loss (with its reason) or a reopen. */
export function statusLine(op: 'won' | 'lost' | 'reopen', deal: Deal, actorUserId: string, at: DateTime): string {
  if (op === 'reopen') return changeLine('↩️ Reopened', actorUserId, at);
  if (op === 'won') return changeLine('🏆 Won', actorUserId, at);
  const reason = deal.status === 'lost' && deal.lostReason?.trim() ? `: ${escapeMrkdwn(truncate(deal.lostReason.trim(), REASON_MAX))}` : '';
  return changeLine(`✖ Marked lost${reason}`, actorUserId, at);
}

export function statusConfirmationText(deal: Deal, op: 'won' | 'lost'): string {
  return `✓ Marked ${boldTitle(deal)} ${op}.`;
}

/** A card redrawn because its deal was closed elsewhere before the click. */
export function closedElsewhereNote(deal: Deal): string {
  return `Already *${deal.status}* — nothing changed.`;
}

/** A card's Move on a deal closed since the card was drawn: the card's note, then what to do. */
export function notMovedNote(deal: Deal): string {
  return `Already *${deal.status}* — not moved.`;
}

export function notMovedText(deal: Deal): string {
  return `${boldTitle(deal)} is already ${deal.status}, so it was not moved. Reopen it first to move it.`;
}

export function undoExpiredText(minutes: number): string {
  return `This undo has expired: undo works for ${minutes} minutes after the change. Change the deal again instead.`;
}

export const UNDO_ALREADY_USED_TEXT = 'That change was already undone.';

/** An undo refused because the deal changed after the change; `stageName` is where it is now. */
export function undoRefusedNote(deal: Deal, stageName: string | null): string {
  const now = deal.status !== 'open' ? `it is ${deal.status} now` : stageName ? `it is in ${boldName(stageName)} now` : 'it changed since';
  return `Not undone: ${now}, so someone changed it after you.`;
}

/** "↩️ Undone: back in *Qualified*" (a move) or "↩️ Undone: reopened" (a close), by whom and when. */
export function undoneLine(change: 'stage' | 'status', stage: Stage | null, actorUserId: string, at: DateTime): string {
  const what = change === 'stage' ? `↩️ Undone: back in ${boldName(stage?.name ?? 'the previous stage')}` : '↩️ Undone: reopened';
  return changeLine(what, actorUserId, at);
}

/** The note on the card of a deal made by `/deal new`. */
export const createdByNote = (actorUserId: string): string => `Created by ${userMention(actorUserId)}`;

/** A retried `/deal new` answered with the deal the first delivery made. */
export const DUPLICATE_CREATE_NOTE = 'Already created.';

/** The note on a card someone shared in the channel. */
export const sharedByNote = (actorUserId: string): string => `Shared by ${userMention(actorUserId)}`;
