// `/pipeline`: the board (`/pipeline [name]`), the summary by period
// (`/pipeline timeline [week|month|quarter] [count] [by close|won|created]`), digest
// subscriptions (`/pipeline digest …`) and deal alerts (`/pipeline alerts …`).

import type { App } from '@slack/bolt';
import { parsePipelineCommand, type PipelineCommand } from '../../parse/pipeline-command.js';
import { DEAL_SUBCOMMAND_HELP } from '../../parse/deal-command.js';
import { helpMessage, usageMessage } from '../../ui/help.js';
import type { DealbotContext } from '../context.js';
import { runDigestCommand } from './pipeline-digest.js';
import { runAlertsCommand } from './pipeline-alerts.js';
import { replyToCommand } from '../replies.js';
import { replyWithBoard, replyWithPeriodSummary } from '../timeline-replies.js';
import { SlashCommand } from '../../ui/ids.js';
import type { Reply } from '../replies.js';
import { dispatch, type HandlerMap } from './handler-map.js';

/** The subcommands answered after the ack; help and usage are the ack itself. */
export type PipelineSubcommand = Exclude<PipelineCommand, { kind: 'help' | 'invalid' }>;

/** One handler per subcommand: a kind added to the grammar without one here fails the type check. */
export const pipelineSubcommands: HandlerMap<PipelineSubcommand, [ctx: DealbotContext, reply: Reply, triggerId: string], Promise<void>> = {
  board: (command, ctx, reply) => replyWithBoard(ctx, reply, command.pipeline),
  timeline: (command, ctx, reply) => replyWithPeriodSummary(ctx, reply, command),
  digest: (command, ctx, reply, triggerId) => runDigestCommand(ctx, reply, command.args, triggerId),
  alerts: (command, ctx, reply, triggerId) => runAlertsCommand(ctx, reply, command.args, triggerId),
};

export function registerPipelineCommand(app: App<DealbotContext>): void {
  app.command(SlashCommand.pipeline, async ({ command, ack, respond, client, context }) => {
    const parsed = parsePipelineCommand(command.text);
    if (parsed.kind === 'help') return ack({ response_type: 'ephemeral', ...helpMessage(DEAL_SUBCOMMAND_HELP) });
    if (parsed.kind === 'invalid') return ack({ response_type: 'ephemeral', ...usageMessage(parsed.problem, null) });
    await ack();
    const reply = replyToCommand({ client, respond, command });
    return dispatch(pipelineSubcommands, parsed, context as DealbotContext, reply, command.trigger_id);
  });
}
