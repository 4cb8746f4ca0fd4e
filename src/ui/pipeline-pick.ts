// What a person reads when the pipeline they asked for cannot be told apart or does not
// exist (the outcomes of `services/pick-pipeline.ts` other than `one`).

import type { Pipeline } from '../crm/port.js';
import type { PipelinePick } from '../services/pick-pipeline.js';
import { usageMessage } from './help.js';
import { escapeMrkdwn } from './mrkdwn.js';
import { noPipelineMessage } from './pipeline-board.js';

type Message = ReturnType<typeof usageMessage>;

const listed = (pipelines: Pipeline[]): string => pipelines.map((p) => `\`${escapeMrkdwn(p.name)}\``).join(', ');

/** The answer to a pick that found no single pipeline, for the board and the timeline summary. */
export function pipelinePickProblem(pick: Exclude<PipelinePick, { kind: 'one' }>, crmName: string): Message {
  switch (pick.kind) {
    case 'none':
    case 'gone':
      return noPipelineMessage(crmName, pick.kind);
    case 'ambiguous':
      return usageMessage(`“${escapeMrkdwn(pick.name)}” matches several pipelines: ${listed(pick.candidates)}.`, null);
    case 'unknown':
      return usageMessage(`There is no pipeline called “${escapeMrkdwn(pick.name)}”. The pipelines are ${listed(pick.all)}.`, null);
  }
}

/** The digest commands' answer when a named pipeline is not exactly one: every pipeline is listed. */
export function noSinglePipelineMessage(name: string, all: Pipeline[]): Message {
  return usageMessage(`There is no single pipeline called “${escapeMrkdwn(name)}”. The pipelines are ${listed(all)}.`, null);
}
