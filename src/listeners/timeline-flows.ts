// Answers to "what happened to this deal?" and "what does the pipeline look like?": the
// deal timeline (first page, then "Show older"), the pipeline board and the summary by
// period, each read in the viewer's time zone.

import type { Deal, Pipeline } from '../crm/port.js';
import { matchByName } from '../parse/match-name.js';
import { loadDealTimeline, summarizeTimeline } from '../services/deal-timeline.js';
import { buildPipelineBoard } from '../services/pipeline-board.js';
import { buildTimelineSummary, type PeriodBasis, type PeriodUnit } from '../services/timeline-summary.js';
import { dealTimelineMessage } from '../ui/deal-timeline.js';
import { usageMessage } from '../ui/help.js';
import { escapeMrkdwn } from '../ui/mrkdwn.js';
import { noPipelineMessage, pipelineBoardMessage } from '../ui/pipeline-board.js';
import { timelineSummaryMessage } from '../ui/timeline-summary.js';
import type { DealbotContext } from './context.js';
import type { Reply } from './replies.js';

export async function replyWithTimeline(
  ctx: DealbotContext,
  reply: Reply,
  deal: Deal | string,
  cursor: string | null = null,
): Promise<void> {
  const [person, timeline, stages, users] = await Promise.all([
    ctx.people.get(reply.client, reply.userId),
    loadDealTimeline(ctx.crm, deal, cursor),
    ctx.crm.listStages(),
    ctx.crm.listUsers(),
  ]);
  const now = ctx.now().setZone(person.tz);
  const hasOlder = timeline.nextCursor !== null;
  const message = dealTimelineMessage({
    deal: timeline.deal,
    changes: timeline.changes,
    stageNames: new Map(stages.map((s) => [s.id, s.name])),
    userNames: new Map(users.map((u) => [u.id, u.name])),
    summary: timeline.isFirstPage ? summarizeTimeline(timeline.deal, timeline.changes, now, hasOlder, timeline) : null,
    historySource: timeline.historySource,
    journalSince: timeline.journalSince,
    viewerZone: person.tz,
    now,
    nextCursor: timeline.nextCursor,
    crmName: ctx.crm.displayName,
    supported: timeline.supported,
    olderPage: !timeline.isFirstPage,
  });
  await reply.respond({ response_type: 'ephemeral', replace_original: false, ...message });
}

/** The pipeline a person named (forgiving), or the default one; null after telling them the choices. */
async function pickPipeline(ctx: DealbotContext, reply: Reply, name: string | null): Promise<{ pipeline: Pipeline; all: Pipeline[] } | null> {
  const all = await ctx.crm.listPipelines();
  if (!name) {
    const pipeline = all.find((p) => p.isDefault) ?? all[0];
    if (pipeline) return { pipeline, all };
    await reply.respond({ response_type: 'ephemeral', ...noPipelineMessage(ctx.crm.displayName, 'none') });
    return null;
  }
  const match = matchByName(name, all, (p) => p.name);
  if (match.kind === 'match') return { pipeline: match.item, all };
  const names = (match.kind === 'ambiguous' ? match.candidates : all).map((p) => `\`${escapeMrkdwn(p.name)}\``).join(', ');
  const problem =
    match.kind === 'ambiguous'
      ? `“${escapeMrkdwn(name)}” matches several pipelines: ${names}.`
      : `There is no pipeline called “${escapeMrkdwn(name)}”. The pipelines are ${names}.`;
  await reply.respond({ response_type: 'ephemeral', ...usageMessage(problem, null) });
  return null;
}

export async function replyWithBoard(ctx: DealbotContext, reply: Reply, pipelineName: string | null, pipelineId?: string): Promise<void> {
  const [person, picked] = await Promise.all([
    ctx.people.get(reply.client, reply.userId),
    pipelineId
      ? ctx.crm.listPipelines().then(async (all) => {
          const pipeline = all.find((p) => p.id === pipelineId);
          if (pipeline) return { pipeline, all };
          await reply.respond({ response_type: 'ephemeral', replace_original: false, ...noPipelineMessage(ctx.crm.displayName, 'gone') });
          return null;
        })
      : pickPipeline(ctx, reply, pipelineName),
  ]);
  if (!picked) return;
  const now = ctx.now().setZone(person.tz);
  const board = await buildPipelineBoard(ctx.crm, { pipelineId: picked.pipeline.id, zone: person.tz, now });
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
  const [person, picked] = await Promise.all([ctx.people.get(reply.client, reply.userId), pickPipeline(ctx, reply, null)]);
  if (!picked) return;
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
