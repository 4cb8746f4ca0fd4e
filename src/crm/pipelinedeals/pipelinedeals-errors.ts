// How PipelineDeals' 4xx answers become the port's typed errors. The documented shapes:
// a 422 with `[{field, humanized_field, msg}]` for a refused write (mapped to the deal
// field it names, with the humanized message a person can read: "Name can't be blank"),
// a 422 with an empty body when a deal cannot be read (an unknown deal, however odd the
// status), and a 404 with an empty body for an update or delete of an unknown deal.
// A key PipelineDeals does not know can be answered with a 406 `{"error":"Unknown api key"}`
// (reported in issue #11; PipelineDeals' own Ruby client names 406 `NotAcceptableError`):
// that is a bad credential, told to the person as one, like a 401.

import { CrmNotFoundError, CrmUnauthorizedError, CrmValidationError, type CrmError } from '../../errors.js';
import type { ErrorContext } from '../http/http-client.js';
import type { DealField } from '../port.js';
import { dealFieldOf } from './pipelinedeals-mapping.js';
import { validationErrorsSchema } from './schemas.js';

export interface PipelineDealsValidation {
  message: string;
  field: DealField | null;
}

function isEmpty(body: unknown): boolean {
  return body === undefined || body === null || (typeof body === 'string' && body.trim() === '');
}

/** The readable message and the first deal field a 422 body names, in any of the shapes seen. */
export function readValidation(body: unknown, status: number): PipelineDealsValidation {
  const parsed = validationErrorsSchema.safeParse(body);
  if (parsed.success && parsed.data.length > 0) {
    const lines = parsed.data.map((e) => {
      const label = e.humanized_field?.trim() || e.field?.trim() || '';
      const msg = e.msg?.trim() || 'is invalid';
      return label ? `${label} ${msg}` : msg;
    });
    const field = parsed.data.map((e) => dealFieldOf(e.field)).find((f) => f !== null) ?? null;
    return { message: lines.join('; '), field };
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    for (const key of ['error', 'message', 'msg']) {
      const value = record[key];
      if (typeof value === 'string' && value.trim()) return { message: value.trim(), field: null };
    }
    // Rails' own `{attribute: ["message", …]}` shape, in case an endpoint answers with it.
    for (const [attribute, messages] of Object.entries(record)) {
      const first = Array.isArray(messages) ? messages.find((m): m is string => typeof m === 'string') : undefined;
      if (first) return { message: `${attribute.replace(/_/g, ' ')} ${first}`, field: dealFieldOf(attribute) };
    }
  }
  if (typeof body === 'string' && body.trim()) return { message: body.trim().slice(0, 300), field: null };
  return { message: `PipelineDeals refused the change (HTTP ${status})`, field: null };
}

/** `{"error":"Unknown api key"}` and the like: the body says the key is what was refused. */
function refusesTheKey(body: unknown): boolean {
  const text =
    body && typeof body === 'object' && !Array.isArray(body)
      ? Object.values(body as Record<string, unknown>)
          .filter((v): v is string => typeof v === 'string')
          .join(' ')
      : typeof body === 'string'
        ? body
        : '';
  return /\b(api|app)[ _]?key\b/i.test(text);
}

export function mapPipelineDealsError(ctx: ErrorContext): CrmError | undefined {
  switch (ctx.status) {
    case 406:
      // Any other 406 (a format PipelineDeals cannot serve) keeps the shared mapping.
      return refusesTheKey(ctx.body) ? new CrmUnauthorizedError(ctx.init) : undefined;
    case 422: {
      // "Retrieve a single deal" documents its failure as a 422 with nothing in it.
      if (ctx.request.method === 'GET' && isEmpty(ctx.body) && ctx.notFound) {
        return new CrmNotFoundError(ctx.notFound.entity, ctx.notFound.id, ctx.init);
      }
      const { message, field } = readValidation(ctx.body, ctx.status);
      return new CrmValidationError(message, field, ctx.init);
    }
    case 400: {
      const { message, field } = readValidation(ctx.body, ctx.status);
      return new CrmValidationError(message, field, ctx.init);
    }
    default:
      // 401, 403, 404 (an unknown deal on update/delete) and the rest: the shared mapping.
      return undefined;
  }
}
