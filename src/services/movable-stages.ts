// Which stages a person may move a deal to. A stage that closes the deal (PipelineDeals'
// "Won" 100 % and "Lost" 0 % stages, Productive's won and lost statuses) is reached by
// marking the deal won or lost, which also records the outcome, its time and the loss
// reason; offering it as a move would close deals behind the person's back. Every move
// menu, stage picker, forgiving stage-name match and create-form stage select filters here.

import type { Stage } from '../crm/port.js';
import { normalizeName } from '../parse/match-name.js';

/** The stages a deal may be moved to, in the order given. */
export function movableStages(stages: readonly Stage[]): Stage[] {
  return stages.filter((stage) => !stage.closes);
}

/** The closing stage a person named exactly ("won", "Lost"), if any; how they should say it instead is the caller's. */
export function closingStageNamed(query: string, stages: readonly Stage[]): (Stage & { closes: 'won' | 'lost' }) | null {
  const wanted = normalizeName(query);
  if (!wanted) return null;
  const found = stages.find((stage) => stage.closes && normalizeName(stage.name) === wanted);
  return found?.closes ? { ...found, closes: found.closes } : null;
}
