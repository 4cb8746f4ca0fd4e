// Translation between Productive's JSON:API shapes and the port's domain types, both ways.
// Every guess about Productive's deals API (the seed documents only deal_statuses) is named
// here, in one place, so a correction is a one-line change:
//
// - money: `revenue`, `deal_value` and `budget_total` are cents of the deal's `currency`
//   (CENTS_PER_UNIT; Productive's resource schema marks each "in cents");
// - the deal's value is `revenue`. Real deals (productiveio/cli-toolbox cassettes) carry no
//   `deal_value` at all, and Productive's own resource schema (cli-toolbox
//   crates/tb-prod/schema.json) has none either; it has `revenue` ("total deal revenue",
//   read-only) and `budget_total` ("total budget amount allocated"). `revenue` is the one the
//   pipeline forecasts with: `projected_revenue` is documented as revenue * probability / 100,
//   and the recordings agree (deal 749: revenue 1000000 at 100% -> projected 1000000). On the
//   recorded sales deals the two are equal (749, 754, 784, 785); on budgets they differ
//   (781: revenue 1735000 = budget_total 275000 + services 1460000), and there `revenue` is
//   the whole worth while `budget_total` leaves the services out. So: `revenue`, else
//   `deal_value` (older docs), else `budget_total`;
// - when a deal's stage cannot be resolved (not included, not one of the sales stages), its
//   status comes from what Productive stamps on a closed deal: `sales_closed_at` is set on
//   won and lost alike ("closed from a sales perspective (won or lost)"); lost deals carry a
//   `lost_comment` or `lost_reason`, or probability 0 (Productive sets 0 on lost, 100 on
//   won). Recorded: 754 (probability 0, lost_comment "123123") and 784 (probability 0) are
//   lost. A closed deal with none of those is won; no `sales_closed_at` is open;
// - "updated" is `updated_at` when a server sends it, else `last_activity_at` ("update,
//   comment, status change"); the stage change is `sales_status_updated_at`;
// - the pipeline relationship of a deal is not includable (schema: `notIncludable`), so a
//   deal's pipeline comes from its stage (the stage list includes the pipeline);
// - expected close date is `end_date`; the start `date` is set to today on create;
// - new deals are sales deals (`budget: false`) of `deal_type_id` 2 (DEAL_TYPE_ID);
// - a stage's outcome is its `status_id` (STAGE_STATUS), a deal's status is its stage's;
// - references are written as JSON:API relationships (`deal_status`, `responsible`,
//   `company`, `contact`, `lost_reason`), read back through `include` (DEAL_INCLUDES);
// - a deal's link is `<app url>/deals/<id>` (dealUrl).
// No Productive field name leaves the adapter through here.

import type { DateTime } from 'luxon';
import { CrmValidationError } from '../../errors.js';
import type { Deal, DealField, DealHit, DealPatch, DealStatus, IsoDate, NewDeal, Pipeline, Stage, User } from '../port.js';
import type {
  IncludedIndex,
  ProductiveDeal,
  ProductiveDealStatus,
  ProductiveLostReason,
  ProductivePerson,
  ProductivePipeline,
} from './schemas.js';

export const PRODUCTIVE = 'Productive';

/** `deal_statuses.status_id`: the outcome category of a stage (seed 000; 4 is the reference's "delivered"). */
export const STAGE_STATUS = { open: 1, won: 2, lost: 3, delivered: 4 } as const;

/** Productive keeps money in cents of the deal's currency. */
export const CENTS_PER_UNIT = 100;

/** `deal_type_id` sent on create: 2 is "client", the only type a sales deal can have. */
export const DEAL_TYPE_ID = 2;

/** `filter[type]` 1 lists deals, 2 budgets: the bot only ever reads deals. */
export const DEAL_TYPE_FILTER = 1;

/** `pipeline_type_id` 1 is a sales pipeline; 2 (production) holds budgets. */
export const SALES_PIPELINE_TYPE = 1;

/** Relationships every deal answer includes, so one request yields the whole card. */
export const DEAL_INCLUDES = 'deal_status,company,contact,responsible,lost_reason';

/** A stage as the adapter keeps it: the outcome and lost-reason flag the port's `Stage` hides. */
export interface StageRecord {
  id: string;
  pipelineId: string;
  name: string;
  position: number | null;
  statusId: number;
  archived: boolean;
  probability: number | null;
  lostReasonEnabled: boolean;
}

export function dealStatusOf(statusId: number | null | undefined): DealStatus {
  if (statusId === STAGE_STATUS.won || statusId === STAGE_STATUS.delivered) return 'won';
  if (statusId === STAGE_STATUS.lost) return 'lost';
  return 'open';
}

export function stageStatusIdOf(status: DealStatus): number {
  return STAGE_STATUS[status];
}

// ------------------------------------------------------------------------------ ids

/** Productive ids are numeric strings; anything else is refused before a request is spent. */
export function isProductiveId(value: string): boolean {
  return /^[1-9]\d{0,17}$/.test(value);
}

export function productiveId(value: string, field: DealField | null, what = 'id'): string {
  if (!isProductiveId(value)) {
    throw new CrmValidationError(`"${value}" is not a Productive ${what}`, field, { crm: PRODUCTIVE });
  }
  return value;
}

function byNumericId(a: string, b: string): number {
  return Number(a) - Number(b) || a.localeCompare(b);
}

/** Ascending, with a missing position after every numbered one. */
function byPosition(a: number | null, b: number | null): number {
  return (a ?? Number.POSITIVE_INFINITY) - (b ?? Number.POSITIVE_INFINITY) || 0;
}

// ------------------------------------------------------------------- pipelines, stages

/** Active sales pipelines by `position`; the one flagged `default` (else the first) is the default. */
export function toPipelines(raw: ProductivePipeline[]): Pipeline[] {
  const active = raw
    .filter((p) => !p.archived && (p.pipelineTypeId === null || p.pipelineTypeId === SALES_PIPELINE_TYPE))
    .sort((a, b) => byPosition(a.position, b.position) || byNumericId(a.id, b.id));
  const defaultId = (active.find((p) => p.isDefault) ?? active[0])?.id;
  return active.map((p, index) => ({ id: p.id, name: p.name, order: index + 1, isDefault: p.id === defaultId }));
}

/** Stage records, pipelines in `pipelineOrder`, then by `position` (nulls last), then id. */
export function toStageRecords(
  raw: ProductiveDealStatus[],
  pipelineOf: (stage: ProductiveDealStatus) => string,
  pipelineOrder: ReadonlyMap<string, number>,
): StageRecord[] {
  const rank = (pipelineId: string): number => pipelineOrder.get(pipelineId) ?? Number.POSITIVE_INFINITY;
  return raw
    .map((s) => ({
      id: s.id,
      pipelineId: pipelineOf(s),
      name: s.name,
      position: s.position,
      statusId: s.statusId,
      archived: s.archived,
      probability: s.probability,
      lostReasonEnabled: s.lostReasonEnabled,
    }))
    .sort(
      (a, b) =>
        rank(a.pipelineId) - rank(b.pipelineId) ||
        byNumericId(a.pipelineId, b.pipelineId) ||
        byPosition(a.position, b.position) ||
        byNumericId(a.id, b.id),
    );
}

/**
 * The pipeline's active stages in board order, its won and lost ones included and marked
 * `closes`: a card names the stage a closed deal sits in, and `/deal move X to won` is told
 * to use `/deal won` (the move menus leave closing stages out, `services/movable-stages.ts`).
 * `order` counts within the pipeline.
 */
export function toStages(records: StageRecord[]): Stage[] {
  const counters = new Map<string, number>();
  return records
    .filter((s) => !s.archived)
    .map((s) => {
      const order = (counters.get(s.pipelineId) ?? 0) + 1;
      counters.set(s.pipelineId, order);
      const outcome = dealStatusOf(s.statusId);
      return {
        id: s.id,
        pipelineId: s.pipelineId,
        name: s.name,
        order,
        probability: s.probability,
        closes: outcome === 'open' ? null : outcome,
      };
    });
}

/** The first active stage of a pipeline with the given outcome, in board order. */
export function firstStageWithStatus(records: StageRecord[], pipelineId: string, status: DealStatus): StageRecord | undefined {
  const statusId = stageStatusIdOf(status);
  return records.find((s) => s.pipelineId === pipelineId && !s.archived && s.statusId === statusId);
}

export function toUser(raw: ProductivePerson): User {
  return { id: raw.id, name: raw.name || raw.email || `#${raw.id}`, email: raw.email, active: raw.active };
}

// ------------------------------------------------------------------------------ deals

function moneyOf(cents: number | null, currency: string | null): Deal['value'] {
  if (cents === null || !currency) return null;
  return { amount: Math.round(cents) / CENTS_PER_UNIT, currency };
}

function isoDate(value: string | null): IsoDate | null {
  const match = value === null ? null : /^\d{4}-\d{2}-\d{2}/.exec(value);
  return match ? match[0] : null;
}

export function dealUrl(appUrl: string, id: string): string {
  return `${appUrl.replace(/\/+$/, '')}/deals/${encodeURIComponent(id)}`;
}

/** What a deal answer needs from outside its own resource. */
export interface DealContext {
  included: IncludedIndex;
  /** A stage the adapter already knows (its memo), for answers that did not include the stage. */
  knownStage: (id: string) => StageRecord | undefined;
  appUrl: string;
}

function stageOfDeal(raw: ProductiveDeal, context: DealContext): { id: string; statusId: number | null; pipelineId: string | null } {
  const id = raw.stageId;
  if (!id) return { id: '', statusId: null, pipelineId: raw.pipelineId ?? null };
  const included = context.included.dealStatuses.get(id);
  const known = context.knownStage(id);
  return {
    id,
    statusId: included?.statusId ?? known?.statusId ?? null,
    pipelineId: raw.pipelineId ?? included?.pipelineId ?? known?.pipelineId ?? null,
  };
}

/** A deal's status: its stage's outcome; what Productive stamps on a closed deal when the stage is unknown. */
export function statusOfDeal(raw: ProductiveDeal, stageStatusId: number | null): DealStatus {
  if (stageStatusId !== null) return dealStatusOf(stageStatusId);
  if (raw.lostAt) return 'lost';
  if (raw.wonAt) return 'won';
  if (!raw.salesClosedAt) return 'open';
  const lostSigns = Boolean(raw.lostComment?.trim()) || Boolean(raw.lostReasonId) || raw.probability === 0;
  return lostSigns ? 'lost' : 'won';
}

/** Whether the answer lets the deal be mapped without a stage look-up. */
export function dealNeedsStage(raw: ProductiveDeal, context: Omit<DealContext, 'appUrl'>): boolean {
  if (!raw.stageId) return false;
  const stage = stageOfDeal(raw, { ...context, appUrl: '' });
  return stage.statusId === null || stage.pipelineId === null;
}

function personName(included: IncludedIndex, id: string): string {
  const person = included.people.get(id);
  return person?.name || person?.email || `#${id}`;
}

/** The lost reason as a person reads it: the reason's name, the free-text comment after it. */
function lostReasonText(raw: ProductiveDeal, included: IncludedIndex): string | null {
  const name = raw.lostReasonId ? (included.lostReasons.get(raw.lostReasonId) ?? null) : null;
  const comment = raw.lostComment?.trim() || null;
  if (name && comment && name.toLowerCase() !== comment.toLowerCase()) return `${name}: ${comment}`;
  return name ?? comment;
}

export function toDeal(raw: ProductiveDeal, context: DealContext): Deal {
  const { included } = context;
  const stage = stageOfDeal(raw, context);
  const status = statusOfDeal(raw, stage.statusId);
  const closedAt: DateTime | null = status === 'open' ? null : (raw.salesClosedAt ?? (status === 'won' ? raw.wonAt : raw.lostAt) ?? null);
  return {
    id: raw.id,
    title: raw.name,
    value: moneyOf(raw.revenueCents ?? raw.dealValueCents ?? raw.budgetTotalCents, raw.currency),
    status,
    pipelineId: stage.pipelineId ?? '',
    stageId: stage.id,
    ownerId: raw.responsibleId ?? null,
    organization: raw.companyId ? { id: raw.companyId, name: included.companies.get(raw.companyId) ?? `#${raw.companyId}` } : null,
    person: raw.contactId ? { id: raw.contactId, name: personName(included, raw.contactId) } : null,
    expectedCloseDate: isoDate(raw.endDate),
    probability: raw.probability,
    lostReason: status === 'lost' ? lostReasonText(raw, included) : null,
    createdAt: raw.createdAt,
    updatedAt: raw.updatedAt,
    stageChangedAt: raw.stageChangedAt,
    closedAt,
    url: dealUrl(context.appUrl, raw.id),
  };
}

export function toDealHit(deal: Deal): DealHit {
  return {
    id: deal.id,
    title: deal.title,
    value: deal.value,
    status: deal.status,
    stageId: deal.stageId || null,
    ownerId: deal.ownerId,
    organizationName: deal.organization?.name ?? null,
    personName: deal.person?.name ?? null,
  };
}

// ----------------------------------------------------------------------- lost reasons

function normalizedName(value: string): string {
  return value.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/** The active lost reason a person's text names (case and spacing aside), if any. */
export function matchLostReason(reasons: ProductiveLostReason[], text: string): ProductiveLostReason | undefined {
  const wanted = normalizedName(text);
  return reasons.find((r) => !r.archived && normalizedName(r.name) === wanted);
}

export function activeLostReasonNames(reasons: ProductiveLostReason[]): string[] {
  return reasons
    .filter((r) => !r.archived)
    .sort((a, b) => byPosition(a.position, b.position) || a.name.localeCompare(b.name))
    .map((r) => r.name);
}

// ----------------------------------------------------------------------------- writes

type Identifier = { type: string; id: string } | null;
type Relationships = Record<string, { data: Identifier }>;

export interface DealDocument {
  data: {
    type: 'deals';
    id?: string;
    attributes?: Record<string, unknown>;
    relationships?: Relationships;
  };
}

function document(id: string | undefined, attributes: Record<string, unknown>, relationships: Relationships): DealDocument {
  return {
    data: {
      type: 'deals',
      ...(id === undefined ? {} : { id }),
      ...(Object.keys(attributes).length ? { attributes } : {}),
      ...(Object.keys(relationships).length ? { relationships } : {}),
    },
  };
}

function ref(type: string, id: string | null): { data: Identifier } {
  return { data: id === null ? null : { type, id } };
}

function cents(amount: number): number {
  return Math.round(amount * CENTS_PER_UNIT);
}

/** Reference fields of the port and the relationship each one is written to. */
const REFERENCES = [
  { field: 'ownerId', key: 'responsible', type: 'people', what: 'person id' },
  { field: 'organizationId', key: 'company', type: 'companies', what: 'company id' },
  { field: 'personId', key: 'contact', type: 'people', what: 'person id' },
] as const;

/** The `POST /api/v2/deals` document. */
export function newDealDocument(input: NewDeal, options: { stageId: string; currency: string; today: IsoDate }): DealDocument {
  const attributes: Record<string, unknown> = {
    name: input.title,
    budget: false,
    deal_type_id: DEAL_TYPE_ID,
    date: options.today,
    currency: input.value?.currency ?? options.currency,
  };
  if (input.value) attributes.deal_value = cents(input.value.amount);
  if (input.expectedCloseDate) attributes.end_date = input.expectedCloseDate;
  if (input.probability !== null && input.probability !== undefined) attributes.probability = input.probability;
  const relationships: Relationships = { deal_status: ref('deal_statuses', options.stageId) };
  for (const r of REFERENCES) {
    const value = input[r.field];
    if (value) relationships[r.key] = ref(r.type, productiveId(value, r.field, r.what));
  }
  return document(undefined, attributes, relationships);
}

/** The `PATCH /api/v2/deals/{id}` document: absent stays unchanged, null clears. */
export function dealPatchDocument(id: string, patch: DealPatch): DealDocument {
  const attributes: Record<string, unknown> = {};
  if (patch.title !== undefined) attributes.name = patch.title;
  if (patch.value === null) attributes.deal_value = null;
  else if (patch.value) {
    attributes.deal_value = cents(patch.value.amount);
    attributes.currency = patch.value.currency;
  }
  if (patch.expectedCloseDate !== undefined) attributes.end_date = patch.expectedCloseDate;
  if (patch.probability !== undefined) attributes.probability = patch.probability;
  const relationships: Relationships = {};
  for (const r of REFERENCES) {
    const value = patch[r.field];
    if (value === undefined) continue;
    relationships[r.key] = ref(r.type, value === null ? null : productiveId(value, r.field, r.what));
  }
  return document(id, attributes, relationships);
}

/** Moves a deal to a stage; a lost stage may carry a lost reason and/or a comment. */
export function stageChangeDocument(id: string, stageId: string, lost: { reasonId?: string; comment?: string } = {}): DealDocument {
  const attributes: Record<string, unknown> = {};
  if (lost.comment !== undefined) attributes.lost_comment = lost.comment;
  const relationships: Relationships = { deal_status: ref('deal_statuses', stageId) };
  if (lost.reasonId !== undefined) relationships.lost_reason = ref('lost_reasons', lost.reasonId);
  return document(id, attributes, relationships);
}

export function isDealDocumentEmpty(doc: DealDocument): boolean {
  return doc.data.attributes === undefined && doc.data.relationships === undefined;
}
