// How Pipedrive's 4xx answers (`{ success: false, error, error_info?, data? }`) become the
// port's typed errors. A validation message is matched to the deal field it names so the
// modal can show it next to that field; the match is best effort and null when unsure.

import { CrmForbiddenError, CrmNotFoundError, CrmValidationError, type CrmError } from '../../errors.js';
import type { ErrorContext } from '../http/http-client.js';
import type { DealField } from '../port.js';
import { errorBodySchema } from './schemas.js';

/** Most specific first: "stage 5 is not in pipeline 2" is about the stage. */
const FIELD_PATTERNS: Array<[DealField, RegExp]> = [
  ['expectedCloseDate', /\bexpected[_ ]close[_ ]date\b/i],
  ['lostReason', /\blost[_ ]reason\b/i],
  ['stageId', /\bstage(_id)?\b/i],
  ['pipelineId', /\bpipeline(_id)?\b/i],
  ['ownerId', /\b(owner(_id)?|user_id)\b/i],
  ['organizationId', /\b(org_id|organi[sz]ation(_id)?)\b/i],
  ['personId', /\bperson(_id)?\b/i],
  ['probability', /\bprobability\b/i],
  ['currency', /\bcurrency\b/i],
  ['title', /\btitle\b/i],
  // "value" alone is too common a word ("invalid value"): only when it is clearly the field.
  ['value', /(["'`]value["'`]|\bvalue\s+(must|is|should|cannot|can't|has)\b|\bdeal value\b)/i],
];

export function dealFieldFromMessage(message: string): DealField | null {
  for (const [field, pattern] of FIELD_PATTERNS) if (pattern.test(message)) return field;
  return null;
}

/** The readable part of a Pipedrive (or Prism) error body. */
export function pipedriveErrorMessage(body: unknown, status: number): string {
  const parsed = errorBodySchema.safeParse(body);
  const message = parsed.success ? (parsed.data.error ?? parsed.data.message) : null;
  if (message?.trim()) return message.trim();
  if (typeof body === 'string' && body.trim()) return body.trim().slice(0, 300);
  return `HTTP ${status}`;
}

export function mapPipedriveError(ctx: ErrorContext): CrmError | undefined {
  const message = pipedriveErrorMessage(ctx.body, ctx.status);
  switch (ctx.status) {
    case 400:
    case 422:
      return new CrmValidationError(message, dealFieldFromMessage(message), ctx.init);
    case 402:
      // Payment required: the feature is not on the account's plan.
      return new CrmForbiddenError(ctx.init);
    case 404: {
      // On a write, a 404 naming a stage, person… is about what was sent, not the deal.
      const field = ctx.request.method === 'GET' ? null : dealFieldFromMessage(message);
      if (field && field !== 'title') return new CrmValidationError(message, field, ctx.init);
      return ctx.notFound ? new CrmNotFoundError(ctx.notFound.entity, ctx.notFound.id, ctx.init) : undefined;
    }
    default:
      return undefined;
  }
}
