// Translation between PipelineDeals' shapes and the port's domain types, both ways, and the
// one place where every reading of PipelineDeals that its documentation leaves open is
// decided. No PipelineDeals field name leaves the adapter through here.
//
// Decisions (each marked "assumed" where the docs do not say it):
// - Outcome: `status` is a red/yellow/green health flag (1/2/3), never the outcome. A deal
//   is won at probability 100 and lost at probability 0 ("0 or 100 will close the deal";
//   which is which is assumed). A closed deal without a probability (assumed rare) is lost
//   when it has a loss reason, else won. Everything else is open.
// - Pipelines: accounts list several at `/admin/deal_pipelines`, each with its own won and
//   lost stage; stages and deals name theirs by `deal_pipeline_id` (recorded 2021, 2026).
//   A stage or deal that names none (2012/2013 answers) belongs to the default pipeline; a
//   server without `/admin/deal_pipelines` (404) has one pipeline, `PIPELINE`, which
//   holds every stage and deal whatever pipeline id they carry.
// - Closing stages: a stage closes the deal when its pipeline names it as its won or lost
//   stage, or when its percent is 100 or 0 (moving there sets that probability, which
//   closes the deal). Such stages are never offered as moves (`Stage.closes`).
// - Stage order: stages have no position, only `percent`. They are ordered by percent,
//   except that 0 % stages (a default account's "Lost") go last: at probability 0 a deal is
//   closed, so such a stage is a closing stage, not the start of the board.
// - A deal without a stage (`deal_stage_id: null`, seen in the update sample) has stageId "".
// - Archived deals (`is_archived`) are left out of lists and searches; getDeal still reads one.
// - Money: `value` is in the account currency unless the deal names its own
//   (`currency.code`, or `currency_code` in the create sample). Writes take only the account
//   currency: a deal value in another currency is refused on the `currency` field rather
//   than stored under the wrong code. `value_in_cents` (deprecated) is read when `value` is absent.
// - `closed_time`: a datetime keeps its offset; a bare date (as documented) is read as the
//   start of that day in the deal's own offset (that of `updated_at`), so it shows as the
//   same calendar day to the account's users.
// - Probability 0 or 100 on create or update would close the deal as a side effect; it is
//   refused on the `probability` field (won and lost have their own operations).
// - Reopen sets the stage's percent when it is 1–99, else 50 ("1-99 re-opens").
// - Lost: a free-text reason matching a loss reason's name (case and spacing ignored) is
//   sent as `deal_loss_reason_id`, anything else as `deal_loss_reason_notes`; the other of
//   the two is cleared so the deal states one reason.
// - Clearing a field sends it empty (`deal[expected_close_date]=`), which Rails reads as nil (assumed).
// - Deal links: `{appUrl}/deals/{id}` on app.pipelinecrm.com (assumed from the web app's routes).

import { DateTime } from 'luxon';
import { CrmValidationError } from '../../errors.js';
import type { Deal, DealField, DealHit, DealPatch, DealStatus, Money, NewDeal, PartyRef, Pipeline, Stage } from '../port.js';
import {
  parsePipelineDealsDate,
  parsePipelineDealsTime,
  type PipelineDealsDeal,
  type PipelineDealsLossReason,
  type PipelineDealsPipeline,
  type PipelineDealsStage,
} from './schemas.js';

export const PIPELINEDEALS = 'PipelineDeals';
/** The web app PipelineDeals (now Pipeline CRM) serves deals from. */
export const DEFAULT_APP_URL = 'https://app.pipelinecrm.com';

/** The one pipeline of a server that has no `/admin/deal_pipelines` (older accounts). */
export const PIPELINE: Pipeline = { id: 'default', name: 'Pipeline', order: 0, isDefault: true };

/** The account's pipelines, which is the default, and which stage ids close a deal. */
export interface PipelineCatalog {
  pipelines: Pipeline[];
  defaultId: string;
  closing: ReadonlyMap<string, 'won' | 'lost'>;
}

/** The catalog of a server without pipelines: `PIPELINE` alone. */
export const SINGLE_PIPELINE: PipelineCatalog = { pipelines: [PIPELINE], defaultId: PIPELINE.id, closing: new Map() };

/** In the order PipelineDeals lists them; the one marked `default` (else the first) is the default. */
export function toPipelineCatalog(raws: PipelineDealsPipeline[]): PipelineCatalog {
  if (raws.length === 0) return SINGLE_PIPELINE;
  const defaultId = (raws.find((p) => p.default === true) ?? raws[0]!).id;
  const closing = new Map<string, 'won' | 'lost'>();
  for (const raw of raws) {
    if (raw.won_stage) closing.set(raw.won_stage, 'won');
    if (raw.lost_stage) closing.set(raw.lost_stage, 'lost');
  }
  return {
    pipelines: raws.map((p, order) => ({ id: p.id, name: p.name, order, isDefault: p.id === defaultId })),
    defaultId,
    closing,
  };
}

/** The pipeline a deal or stage is in: its own, else the default (answers from before pipelines). */
export function pipelineIdOf(raw: { deal_pipeline_id: string | null; deal_pipeline?: string | null }, catalog: PipelineCatalog): string {
  if (catalog === SINGLE_PIPELINE) return PIPELINE.id;
  return raw.deal_pipeline_id ?? raw.deal_pipeline ?? catalog.defaultId;
}

/** Reopening a deal whose stage has no open percent. */
export const REOPEN_PROBABILITY = 50;

/** Which deal field each PipelineDeals attribute (as named in a 422's `field`) is on the port. */
const FIELDS: Record<string, DealField> = {
  name: 'title',
  value: 'value',
  value_in_cents: 'value',
  currency: 'currency',
  currency_id: 'currency',
  deal_stage_id: 'stageId',
  deal_stage: 'stageId',
  deal_pipeline_id: 'pipelineId',
  user_id: 'ownerId',
  user: 'ownerId',
  company_id: 'organizationId',
  company: 'organizationId',
  company_name: 'organizationId',
  primary_contact_id: 'personId',
  primary_contact: 'personId',
  person_ids: 'personId',
  expected_close_date: 'expectedCloseDate',
  probability: 'probability',
  deal_loss_reason_id: 'lostReason',
  deal_loss_reason: 'lostReason',
  deal_loss_reason_notes: 'lostReason',
};

/** The port's field for a PipelineDeals attribute name (`deal[user_id]`, `user_id`, `user`); null when it is none. */
export function dealFieldOf(attribute: string | null | undefined): DealField | null {
  if (!attribute) return null;
  const bare = /^deal\[(.+)\]$/.exec(attribute.trim())?.[1] ?? attribute.trim();
  return FIELDS[bare] ?? null;
}

// ---------------------------------------------------------------------------------- reads

export function toDealStatus(raw: PipelineDealsDeal): DealStatus {
  if (raw.probability === 100) return 'won';
  if (raw.probability === 0) return 'lost';
  if (raw.closed_time !== null && raw.probability === null) {
    return raw.deal_loss_reason_id !== null || raw.deal_loss_reason_notes ? 'lost' : 'won';
  }
  return 'open';
}

/** When the deal closed, in the deal's own offset; null while open. */
export function closedAtOf(raw: PipelineDealsDeal): DateTime | null {
  if (raw.closed_time === null) return null;
  const time = parsePipelineDealsTime(raw.closed_time);
  if (time) return time;
  const date = parsePipelineDealsDate(raw.closed_time);
  return date ? DateTime.fromISO(date, { zone: raw.updated_at.zone }) : null;
}

/** The currency the deal's `value` is in when the deal says so itself. */
export function ownCurrency(raw: PipelineDealsDeal): string | null {
  return raw.currency ?? raw.currency_code ?? null;
}

function amountOf(raw: PipelineDealsDeal): number | null {
  if (raw.value !== null) return raw.value;
  return raw.value_in_cents === null ? null : raw.value_in_cents / 100;
}

/** The deal's value in its own currency, else the account's; none without an amount or a currency. */
function moneyOf(raw: PipelineDealsDeal, accountCurrency: string | null): Money | null {
  const amount = amountOf(raw);
  const currency = ownCurrency(raw) ?? accountCurrency;
  return amount !== null && currency ? { amount, currency } : null;
}

/** Whether mapping this deal needs the account currency (it has a value but names no currency). */
export function needsAccountCurrency(raw: PipelineDealsDeal): boolean {
  return amountOf(raw) !== null && ownCurrency(raw) === null;
}

function partyRef(id: string | null, ref: { id: string; name: string | null } | null): PartyRef | null {
  const refId = ref?.id ?? id;
  if (refId === null) return null;
  // A name PipelineDeals did not include still shows which record it is.
  return { id: refId, name: ref?.name ?? `#${refId}` };
}

function lostReasonOf(raw: PipelineDealsDeal): string | null {
  const name = raw.deal_loss_reason?.name.trim() || null;
  const notes = raw.deal_loss_reason_notes?.trim() || null;
  if (name && notes && name.toLowerCase() !== notes.toLowerCase()) return `${name}: ${notes}`;
  return name ?? notes;
}

export function dealUrl(appUrl: string, id: string): string {
  return `${appUrl.replace(/\/+$/, '')}/deals/${encodeURIComponent(id)}`;
}

export function toDeal(raw: PipelineDealsDeal, accountCurrency: string | null, appUrl: string, catalog: PipelineCatalog): Deal {
  const status = toDealStatus(raw);
  return {
    id: raw.id,
    title: raw.name,
    value: moneyOf(raw, accountCurrency),
    status,
    pipelineId: pipelineIdOf(raw, catalog),
    stageId: raw.deal_stage_id ?? raw.deal_stage?.id ?? '',
    ownerId: raw.user_id,
    organization: partyRef(raw.company_id, raw.company),
    person: partyRef(raw.primary_contact_id, raw.primary_contact),
    expectedCloseDate: raw.expected_close_date,
    probability: raw.probability,
    lostReason: status === 'lost' ? lostReasonOf(raw) : null,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
    // PipelineDeals does not say when a deal entered its stage.
    stageChangedAt: null,
    closedAt: status === 'open' ? null : closedAtOf(raw),
    url: dealUrl(appUrl, raw.id),
  };
}

export function toDealHit(raw: PipelineDealsDeal, accountCurrency: string | null): DealHit {
  return {
    id: raw.id,
    title: raw.name,
    value: moneyOf(raw, accountCurrency),
    status: toDealStatus(raw),
    stageId: raw.deal_stage_id ?? raw.deal_stage?.id ?? null,
    ownerId: raw.user_id,
    organizationName: raw.company?.name ?? null,
    personName: raw.primary_contact?.name ?? raw.people[0]?.name ?? null,
  };
}

/** Which outcome entering this stage gives the deal, if any (see "Closing stages" above). */
function closesOf(stage: PipelineDealsStage, catalog: PipelineCatalog): 'won' | 'lost' | null {
  const named = catalog.closing.get(stage.id);
  if (named) return named;
  return stage.percent === 100 ? 'won' : stage.percent === 0 ? 'lost' : null;
}

/** Each pipeline's stages ordered by percent with 0 % (closing) stages last; ties by id. */
export function toStages(raws: PipelineDealsStage[], catalog: PipelineCatalog = SINGLE_PIPELINE): Stage[] {
  const rank = (s: PipelineDealsStage): number => (s.percent === null ? 50 : s.percent === 0 ? 101 : s.percent);
  const pipelineOf = (s: PipelineDealsStage): string => pipelineIdOf(s, catalog);
  const byPipeline = new Map<string, PipelineDealsStage[]>();
  for (const raw of raws) byPipeline.set(pipelineOf(raw), [...(byPipeline.get(pipelineOf(raw)) ?? []), raw]);
  return [...byPipeline.entries()].flatMap(([pipelineId, stages]) =>
    [...stages]
      .sort((a, b) => rank(a) - rank(b) || Number(a.id) - Number(b.id))
      .map((s, index) => ({
        id: s.id,
        pipelineId,
        name: s.name,
        order: index,
        probability: s.percent,
        closes: closesOf(s, catalog),
      })),
  );
}

/** The probability a reopened deal gets: its stage's percent when that keeps it open. */
export function reopenProbability(raw: PipelineDealsDeal): number {
  const percent = raw.deal_stage?.percent ?? null;
  return percent !== null && percent >= 1 && percent <= 99 ? percent : REOPEN_PROBABILITY;
}

// --------------------------------------------------------------------------------- writes

export type DealForm = Record<string, string>;

/** PipelineDeals ids are positive integers; anything else is refused before a request is spent. */
export function pipelinedealsId(value: string, field: DealField | null, what = 'id'): string {
  if (!/^[1-9]\d{0,15}$/.test(value)) {
    throw new CrmValidationError(`"${value}" is not a PipelineDeals ${what}`, field, { crm: PIPELINEDEALS });
  }
  return value;
}

function checkProbability(probability: number): string {
  if (!Number.isInteger(probability) || probability < 1 || probability > 99) {
    throw new CrmValidationError(
      probability === 0 || probability === 100
        ? 'In PipelineDeals a probability of 0 or 100 closes the deal; use 1–99, and mark it won or lost instead.'
        : 'Use a whole number from 1 to 99.',
      'probability',
      { crm: PIPELINEDEALS },
    );
  }
  return String(probability);
}

function checkCurrency(currency: string, accountCurrency: string | null): void {
  if (accountCurrency !== null && currency.toUpperCase() !== accountCurrency.toUpperCase()) {
    throw new CrmValidationError(
      `PipelineDeals keeps deal values in the account currency (${accountCurrency}), not ${currency}.`,
      'currency',
      { crm: PIPELINEDEALS },
    );
  }
}

/** The `POST /api/v3/deals.json` form. Without a stage, PipelineDeals puts the deal in its default stage. */
export function newDealForm(input: NewDeal, accountCurrency: string | null): DealForm {
  const form: DealForm = { 'deal[name]': input.title };
  // `PIPELINE` (a server without pipelines) is no id PipelineDeals knows: the deal goes to its only pipeline.
  if (input.pipelineId && input.pipelineId !== PIPELINE.id) {
    form['deal[deal_pipeline_id]'] = pipelinedealsId(input.pipelineId, 'pipelineId', 'pipeline id');
  }
  if (input.value) {
    checkCurrency(input.value.currency, accountCurrency);
    form['deal[value]'] = String(input.value.amount);
  }
  if (input.stageId) form['deal[deal_stage_id]'] = pipelinedealsId(input.stageId, 'stageId', 'stage id');
  if (input.ownerId) form['deal[user_id]'] = pipelinedealsId(input.ownerId, 'ownerId', 'user id');
  if (input.organizationId) form['deal[company_id]'] = pipelinedealsId(input.organizationId, 'organizationId', 'company id');
  if (input.personId) form['deal[primary_contact_id]'] = pipelinedealsId(input.personId, 'personId', 'person id');
  if (input.expectedCloseDate) form['deal[expected_close_date]'] = input.expectedCloseDate;
  if (input.probability !== null && input.probability !== undefined) form['deal[probability]'] = checkProbability(input.probability);
  return form;
}

/**
 * The `PUT /api/v3/deals/{id}.json` form: absent stays unchanged, null clears. Only the
 * changed attributes are sent, so custom fields and everything else stay as they are.
 */
export function dealPatchForm(patch: DealPatch, accountCurrency: string | null): DealForm {
  const form: DealForm = {};
  if (patch.title !== undefined) form['deal[name]'] = patch.title;
  if (patch.value === null) form['deal[value]'] = '';
  else if (patch.value) {
    checkCurrency(patch.value.currency, accountCurrency);
    form['deal[value]'] = String(patch.value.amount);
  }
  const ref = (value: string | null | undefined, key: string, field: DealField, what: string): void => {
    if (value === undefined) return;
    form[`deal[${key}]`] = value === null ? '' : pipelinedealsId(value, field, what);
  };
  ref(patch.ownerId, 'user_id', 'ownerId', 'user id');
  ref(patch.organizationId, 'company_id', 'organizationId', 'company id');
  ref(patch.personId, 'primary_contact_id', 'personId', 'person id');
  if (patch.expectedCloseDate !== undefined) form['deal[expected_close_date]'] = patch.expectedCloseDate ?? '';
  if (patch.probability !== undefined) {
    form['deal[probability]'] = patch.probability === null ? '' : checkProbability(patch.probability);
  }
  return form;
}

function normalizeReason(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** The form that marks a deal lost, naming a loss reason when the text is one of the account's. */
export function lostForm(reason: string | null, reasons: readonly PipelineDealsLossReason[]): DealForm {
  const text = reason?.trim() || null;
  const known = text === null ? undefined : reasons.find((r) => normalizeReason(r.name) === normalizeReason(text));
  return {
    'deal[probability]': '0',
    'deal[deal_loss_reason_id]': known ? known.id : '',
    'deal[deal_loss_reason_notes]': known || text === null ? '' : text,
  };
}
