// Who did what to a deal, and when: the line a live card carries after a move, a win, a
// loss or a reopen ("Moved from *Qualified* to *Proposal* by @ada · today at 10:02"), and
// the small confirmation with an Undo button the person who did it gets. The time is a
// Slack date token, so every reader sees it in their own time zone.

import type { KnownBlock } from '@slack/types';
import type { DateTime } from 'luxon';
import { ActionId, SlackLimits } from './ids.js';
import { mrkdwnText, plainText, userMention } from './mrkdwn.js';

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
