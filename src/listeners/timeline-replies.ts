// The presenter of a deal's timeline, the pipeline board and the summary by period: several
// surfaces answer with them (`/deal timeline`, `/pipeline`, the card's Timeline button,
// "Show older", the board's switcher), always the same way. Each calls its use case, draws
// the outcome with its renderer and sends it through the `Reply`; no rules live here.

import type { Deal } from '../crm/port.js';
import { readDealTimelinePage } from '../services/deal-timeline.js';
import { pickPipeline, type PipelineWanted } from '../services/pick-pipeline.js';
import { readPipelineBoard } from '../services/pipeline-board.js';
import { buildTimelineSummary, type PeriodBasis, type PeriodUnit } from '../services/timeline-summary.js';
import { dealTimelineMessage } from '../ui/deal-timeline.js';
import { pipelineBoardMessage } from '../ui/pipeline-board.js';
import { pipelinePickProblem } from '../ui/pipeline-pick.js';
import { timelineSummaryMessage } from '../ui/timeline-summary.js';
import type { DealbotContext } from './context.js';
import type { Reply } from './replies.js';

export async function replyWithTimeline(
  ctx: DealbotContext,
  reply: Reply,
  deal: Deal | string,
  cursor: string | null = null,
): Promise<void> {
  const page = await readDealTimelinePage(ctx.crm, {
    deal,
    cursor,
    viewerZone: ctx.people.get(reply.client, reply.userId).then((person) => person.tz),
    now: ctx.now,
    audit: ctx.audit ?? null,
  });
  const message = dealTimelineMessage({ ...page, crmName: ctx.crm.displayName });
  await reply.respond({ response_type: 'ephemeral', replace_original: false, ...message });
}

/** The board of the pipeline named (null: the default one) or picked by id in the switcher. */
export async function replyWithBoard(ctx: DealbotContext, reply: Reply, pipelineName: string | null, pipelineId?: string): Promise<void> {
  const wanted: PipelineWanted = pipelineId ? { id: pipelineId } : { name: pipelineName };
  const [person, picked] = await Promise.all([ctx.people.get(reply.client, reply.userId), pickPipeline(ctx.crm, wanted)]);
  if (picked.kind !== 'one') {
    // The switcher's "gone" answers beside the board; a command's answer replaces nothing.
    const beside = picked.kind === 'gone' ? { replace_original: false } : {};
    await reply.respond({ response_type: 'ephemeral', ...beside, ...pipelinePickProblem(picked, ctx.crm.displayName) });
    return;
  }
  const now = ctx.now().setZone(person.tz);
  const board = await readPipelineBoard(ctx.crm, { pipelineId: picked.pipeline.id, zone: person.tz, now });
  const message = pipelineBoardMessage(board, {
    viewerZone: person.tz,
    now,
    pipelineName: picked.pipeline.name,
    crmName: ctx.crm.displayName,
    pipelines: picked.all,
  });
  await reply.respond({ response_type: 'ephemeral', replace_original: reply.fromCard, ...message });
}

export async function replyWithPeriodSummary(
  ctx: DealbotContext,
  reply: Reply,
  options: { unit: PeriodUnit; count: number; by: PeriodBasis },
): Promise<void> {
  const [person, picked] = await Promise.all([ctx.people.get(reply.client, reply.userId), pickPipeline(ctx.crm, { name: null })]);
  if (picked.kind !== 'one') {
    await reply.respond({ response_type: 'ephemeral', ...pipelinePickProblem(picked, ctx.crm.displayName) });
    return;
  }
  const summary = await buildTimelineSummary(ctx.crm, {
    ...options,
    pipelineId: picked.pipeline.id,
    zone: person.tz,
    now: ctx.now().setZone(person.tz),
  });
  const message = timelineSummaryMessage(summary.periods, {
    unit: options.unit,
    by: options.by,
    pipelineName: picked.pipeline.name,
    zone: person.tz,
    truncated: summary.truncated,
    undated: summary.undated,
    overdue: summary.overdue,
  });
  await reply.respond({ response_type: 'ephemeral', ...message });
}
