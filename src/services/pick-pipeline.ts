// Which pipeline a person means: the one they named (forgiving: case, prefixes, typos), the
// one a board's switcher picked by id, or the CRM's default. Ambiguity is never guessed: the
// outcome carries the candidates, and `ui/pipeline-pick.ts` says what to type instead.

import type { CrmClient, Pipeline } from '../crm/port.js';
import { matchByName } from '../parse/match-name.js';

export type PipelinePick =
  | { kind: 'one'; pipeline: Pipeline; all: Pipeline[] }
  /** Several pipelines fit the name. */
  | { kind: 'ambiguous'; name: string; candidates: Pipeline[]; all: Pipeline[] }
  /** No pipeline fits the name. */
  | { kind: 'unknown'; name: string; all: Pipeline[] }
  /** The CRM has no pipeline at all. */
  | { kind: 'none' }
  /** The pipeline picked by id is no longer in the CRM. */
  | { kind: 'gone' };

/** `{ name }` (null: the default pipeline) or `{ id }`, from a board's pipeline switcher. */
export type PipelineWanted = { name: string | null } | { id: string };

export async function pickPipeline(crm: Pick<CrmClient, 'listPipelines'>, wanted: PipelineWanted): Promise<PipelinePick> {
  const all = await crm.listPipelines();
  if ('id' in wanted) {
    const pipeline = all.find((p) => p.id === wanted.id);
    return pipeline ? { kind: 'one', pipeline, all } : { kind: 'gone' };
  }
  if (!wanted.name) {
    const pipeline = all.find((p) => p.isDefault) ?? all[0];
    return pipeline ? { kind: 'one', pipeline, all } : { kind: 'none' };
  }
  const match = matchByName(wanted.name, all, (p) => p.name);
  if (match.kind === 'match') return { kind: 'one', pipeline: match.item, all };
  if (match.kind === 'ambiguous') return { kind: 'ambiguous', name: wanted.name, candidates: match.candidates, all };
  return { kind: 'unknown', name: wanted.name, all };
}
