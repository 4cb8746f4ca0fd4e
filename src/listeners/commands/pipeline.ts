// `/pipeline`: the board (`/pipeline [name]`), the summary by period
// (`/pipeline timeline [week|month|quarter] [count] [by close|won|created]`) and digest
// subscriptions (`/pipeline digest …`).

import type { App } from '@slack/bolt';
import { parsePipelineCommand } from '../../parse/pipeline-command.js';
import { helpMessage, usageMessage } from '../../ui/help.js';
import type { DealbotContext } from '../context.js';
import { runDigestCommand } from '../digest-flows.js';
import { replyToCommand } from '../replies.js';
import { replyWithBoard, replyWithPeriodSummary } from '../timeline-flows.js';
import { SlashCommand } from '../../ui/ids.js';

export function registerPipelineCommand(app: App<DealbotContext>): void {
  app.command(SlashCommand.pipeline, async ({ command, ack, respond, client, context }) => {
    const parsed = parsePipelineCommand(command.text);
    if (parsed.kind === 'help') return ack({ response_type: 'ephemeral', ...helpMessage() });
    if (parsed.kind === 'invalid') return ack({ response_type: 'ephemeral', ...usageMessage(parsed.problem, null) });
    await ack();
    const reply = replyToCommand({ client, respond, command });
    if (parsed.kind === 'board') return replyWithBoard(context, reply, parsed.pipeline);
    if (parsed.kind === 'digest') return runDigestCommand(context, reply, parsed.args, command.trigger_id);
    return replyWithPeriodSummary(context, reply, parsed);
  });
}
