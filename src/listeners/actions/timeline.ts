// "Show older" under a deal timeline, and the board's pipeline switcher.

import type { App, BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import { z } from 'zod';
import { ActionId } from '../../ui/ids.js';
import { BadActionValueError } from '../../errors.js';
import { readId } from '../action-values.js';
import type { DealbotContext } from '../context.js';
import { replyWithBoard, replyWithTimeline } from '../timeline-replies.js';
import { replyForAction } from './reply-for-action.js';

const olderValue = z.object({ dealId: z.string().min(1).max(64), cursor: z.string().max(1500) });

export function registerTimelineActions(app: App<DealbotContext>): void {
  app.action<BlockAction<ButtonAction>>(ActionId.timelineOlder, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    let value: z.infer<typeof olderValue>;
    try {
      value = olderValue.parse(JSON.parse(action.value ?? ''));
    } catch (cause) {
      throw new BadActionValueError(ActionId.timelineOlder, { cause });
    }
    const reply = { ...replyForAction(body, client, respond), fromCard: false };
    await replyWithTimeline(context, reply, value.dealId, value.cursor);
  });

  app.action<BlockAction<StaticSelectAction>>(ActionId.pipelinePick, async ({ ack, body, action, client, respond, context }) => {
    await ack();
    const pipelineId = readId(action.selected_option.value, ActionId.pipelinePick);
    await replyWithBoard(context, replyForAction(body, client, respond), null, pipelineId);
  });
}
