// How Productive's JSON:API error answers become the port's typed errors. Every error the
// seed documents (000_25f1d7ce5a3847ea, deal_statuses) is covered by `code`:
//
//   422 invalid_attribute                    -> validation, field from `source.pointer`
//   422 probability_feature_unavailable      -> validation on probability (feature not on the plan)
//   422 deal_status_mismatch                 -> validation on the stage (merge of unlike stages)
//   422 deal_status_last_stage_not_allowed   -> validation on the stage (last Won stage)
//   409 deal_status_in_use                   -> conflict (stage still holds deals; no detail sent)
//
// A pointer is `data/attributes/<attr>` without a leading slash; relationships are pointed at
// the same way (`data/attributes/pipeline`). Both spellings and `/data/relationships/<rel>`
// are read. 401, 403 and 429/5xx keep the shared client's default mapping.
//
// 404: Productive answers every missing record alike (recorded in productiveio/cli-toolbox
// errors_404.json: `record_not_found`, "The requested record was not found"). Only a 404 on
// `/deals/{id}` means "no such deal"; on a list or the organization it means the base URL or
// the organization id points nowhere (CrmSettingsError), which a person cannot fix by typing
// another deal number.
// 400 on a read: the request's query was refused (a filter or include), which says nothing
// about a field the person typed, so no field is named.

import { CrmConflictError, CrmSettingsError, CrmValidationError, type CrmError } from '../../errors.js';
import type { ErrorContext } from '../http/http-client.js';
import type { DealField } from '../port.js';
import { errorDocumentSchema, type ProductiveErrorObject } from './schemas.js';

/** Productive attribute or relationship name -> the deal field a person fills in. */
const ATTRIBUTE_FIELDS: Record<string, DealField> = {
  name: 'title',
  deal_value: 'value',
  budget_total: 'value',
  currency: 'currency',
  pipeline: 'pipelineId',
  pipeline_id: 'pipelineId',
  deal_status: 'stageId',
  deal_status_id: 'stageId',
  status_id: 'stageId',
  responsible: 'ownerId',
  responsible_id: 'ownerId',
  company: 'organizationId',
  company_id: 'organizationId',
  contact: 'personId',
  contact_id: 'personId',
  end_date: 'expectedCloseDate',
  probability: 'probability',
  probability_enabled: 'probability',
  lost_reason: 'lostReason',
  lost_reason_id: 'lostReason',
  lost_comment: 'lostReason',
};

/** How each field is named to a person, in front of Productive's own words. */
const FIELD_LABELS: Record<DealField, string> = {
  title: 'Title',
  value: 'Value',
  currency: 'Currency',
  pipelineId: 'Pipeline',
  stageId: 'Stage',
  ownerId: 'Owner',
  organizationId: 'Organization',
  personId: 'Person',
  expectedCloseDate: 'Expected close date',
  probability: 'Probability',
  lostReason: 'Lost reason',
};

/** `data/attributes/name`, `/data/attributes/name`, `data/relationships/company` -> the last segment. */
export function attributeOfPointer(pointer: string | null | undefined): string | null {
  if (!pointer) return null;
  const match = /^\/?data\/(?:attributes|relationships)\/([^/]+)/.exec(pointer.trim());
  return match ? decodeURIComponent(match[1]!) : null;
}

export function dealFieldOfPointer(pointer: string | null | undefined): DealField | null {
  const attribute = attributeOfPointer(pointer);
  return attribute === null ? null : (ATTRIBUTE_FIELDS[attribute] ?? null);
}

function humanize(attribute: string): string {
  const words = attribute.replace(/_id$/, '').replace(/_/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

interface ReadError {
  field: DealField | null;
  message: string;
}

/** One error object as a person reads it, e.g. "Title: can't be blank". */
function readError(error: ProductiveErrorObject): ReadError {
  const attribute = attributeOfPointer(error.source?.pointer);
  let field = attribute === null ? null : (ATTRIBUTE_FIELDS[attribute] ?? null);
  let detail = error.detail?.trim() || error.title?.trim() || error.code || 'invalid';
  switch (error.code) {
    case 'probability_feature_unavailable':
      field = 'probability';
      detail = `${detail} (win probability is not enabled for this Productive organization)`;
      break;
    case 'deal_status_mismatch':
    case 'deal_status_last_stage_not_allowed':
      field = 'stageId';
      break;
    default:
      break;
  }
  const label = field ? FIELD_LABELS[field] : attribute ? humanize(attribute) : null;
  return { field, message: label ? `${label}: ${detail}` : detail };
}

/** The readable part of a Productive error answer, and the deal field it concerns first. */
export function readProductiveErrors(body: unknown, status: number): ReadError {
  const parsed = errorDocumentSchema.safeParse(body);
  if (!parsed.success || parsed.data.errors.length === 0) {
    const text = typeof body === 'string' && body.trim() ? body.trim().slice(0, 300) : `HTTP ${status}`;
    return { field: null, message: text };
  }
  const read = parsed.data.errors.map(readError);
  const messages = [...new Set(read.map((r) => r.message))];
  return { field: read.find((r) => r.field !== null)?.field ?? null, message: messages.join('; ') };
}

function isStageInUse(body: unknown): boolean {
  const parsed = errorDocumentSchema.safeParse(body);
  return parsed.success && parsed.data.errors.some((e) => e.code === 'deal_status_in_use');
}

/** The API path of a request (after `/api/v2`), from its redacted URL. */
function apiPathOf(url: string): string {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    pathname = url.split('?')[0] ?? url;
  }
  return pathname.replace(/^.*?\/api\/v2(?=\/|$)/, '') || '/';
}

/** What a list or resource is to a person, by its path. */
const RESOURCE_WORDS: Array<[RegExp, string]> = [
  [/^\/deal_statuses/, 'the stage list'],
  [/^\/pipelines/, 'the pipeline list'],
  [/^\/people/, 'the user list'],
  [/^\/lost_reasons/, 'the lost reasons'],
  [/^\/organizations/, 'the organization'],
  [/^\/deals\/?$/, 'the deal list'],
];

function resourceWords(path: string): string {
  return RESOURCE_WORDS.find(([pattern]) => pattern.test(path))?.[1] ?? `the API (${path})`;
}

/** Productive's own words for a refused query, without naming a deal field. */
function refusedQueryMessage(body: unknown, status: number): string {
  const parsed = errorDocumentSchema.safeParse(body);
  if (!parsed.success || parsed.data.errors.length === 0) return readProductiveErrors(body, status).message;
  const words = parsed.data.errors.map((e) => {
    const detail = e.detail?.trim() || e.title?.trim() || e.code || 'invalid';
    const parameter = e.source?.parameter?.trim();
    return parameter ? `${parameter}: ${detail}` : detail;
  });
  return [...new Set(words)].join('; ');
}

export function mapProductiveError(ctx: ErrorContext): CrmError | undefined {
  switch (ctx.status) {
    case 404: {
      const path = apiPathOf(ctx.request.url);
      // A 404 that is not Productive's JSON:API error document came from some other server.
      const fromProductive = errorDocumentSchema.safeParse(ctx.body).success;
      if (/^\/deals\/[^/]+$/.test(path) && fromProductive) return undefined;
      return new CrmSettingsError(/^\/deals\/[^/]+$/.test(path) ? 'a deal' : resourceWords(path), ctx.init);
    }
    case 400:
    case 422: {
      // A refused read says nothing about a field the person typed; a refused write names it.
      if (ctx.request.method.toUpperCase() === 'GET')
        return new CrmValidationError(refusedQueryMessage(ctx.body, ctx.status), null, ctx.init);
      const { field, message } = readProductiveErrors(ctx.body, ctx.status);
      return new CrmValidationError(message, field, ctx.init);
    }
    case 409: {
      // The documented 409 has no `detail` and an empty `source`: say what it means.
      if (isStageInUse(ctx.body)) {
        return new CrmConflictError('the stage still holds deals; move them to another stage first', ctx.init);
      }
      return new CrmConflictError(readProductiveErrors(ctx.body, ctx.status).message, ctx.init);
    }
    default:
      return undefined;
  }
}
