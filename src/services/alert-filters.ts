// The names a person typed in `/pipeline alerts …` (a pipeline, stages a deal moves into,
// an owner) turned into the CRM's pipeline, stages and user, before a subscription is
// stored by id. Forgiving like every other name (case, prefixes, typos) and never guessing:
// a name that fits none or several is an outcome listing what there is. The modal needs
// none of this (it picks by id).

import type { CrmClient, Pipeline, Stage, User } from '../crm/port.js';
import { matchByName, normalizeName } from '../parse/match-name.js';
import type { AlertOwnerRef } from '../parse/alert-command.js';
import { crmUserFor } from './slack-people.js';

export interface AlertFilterNames {
  pipeline: string | null;
  toStages: string[];
  owner: AlertOwnerRef | null;
}

export interface AlertFilters {
  /** Null: every pipeline. */
  pipeline: Pipeline | null;
  toStages: Stage[];
  owner: User | null;
}

export type AlertFiltersOutcome =
  | { kind: 'ok'; filters: AlertFilters }
  | { kind: 'no-single-pipeline'; name: string; all: Pipeline[] }
  /** `all`: the stages the name was looked for in (the pipeline's, or every pipeline's). */
  | { kind: 'no-single-stage'; name: string; candidates: Stage[]; all: Stage[] }
  | { kind: 'no-single-owner'; name: string; candidates: User[]; all: User[] }
  /** `by me`, and no CRM user has the person's email. */
  | { kind: 'not-linked' };

export async function resolveAlertFilters(
  crm: Pick<CrmClient, 'listPipelines' | 'listStages' | 'listUsers'>,
  names: AlertFilterNames,
  person: { email: string | null },
): Promise<AlertFiltersOutcome> {
  let pipeline: Pipeline | null = null;
  if (names.pipeline !== null) {
    const all = await crm.listPipelines();
    const match = matchByName(names.pipeline, all, (p) => p.name);
    if (match.kind !== 'match') return { kind: 'no-single-pipeline', name: names.pipeline, all };
    pipeline = match.item;
  }

  const toStages: Stage[] = [];
  if (names.toStages.length > 0) {
    const all = await crm.listStages(pipeline?.id);
    const inScope = pipeline ? all.filter((s) => s.pipelineId === pipeline.id) : all;
    for (const name of names.toStages) {
      // Without a pipeline, "Proposal" means the Proposal stage of every pipeline that has one.
      const exact = inScope.filter((s) => normalizeName(s.name) === normalizeName(name));
      if (exact.length > 0 && (pipeline === null || exact.length === 1)) {
        toStages.push(...exact.filter((s) => !toStages.includes(s)));
        continue;
      }
      const match = matchByName(name, inScope, (s) => s.name);
      if (match.kind !== 'match') {
        return { kind: 'no-single-stage', name, candidates: match.kind === 'ambiguous' ? match.candidates : [], all: inScope };
      }
      if (!toStages.includes(match.item)) toStages.push(match.item);
    }
  }

  let owner: User | null = null;
  if (names.owner !== null) {
    const users = await crm.listUsers();
    if (names.owner.kind === 'me') {
      owner = crmUserFor(person, users);
      if (!owner) return { kind: 'not-linked' };
    } else {
      const active = users.filter((u) => u.active);
      const match = matchByName(names.owner.name, active, (u) => u.name);
      if (match.kind !== 'match') {
        return {
          kind: 'no-single-owner',
          name: names.owner.name,
          candidates: match.kind === 'ambiguous' ? match.candidates : [],
          all: active,
        };
      }
      owner = match.item;
    }
  }
  return { kind: 'ok', filters: { pipeline, toStages, owner } };
}
