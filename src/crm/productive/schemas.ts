// Zod schemas of the Productive.io JSON:API answers the adapter reads: deal statuses (the
// shapes of seed 000_25f1d7ce5a3847ea), pipelines, deals, people, companies, lost reasons,
// the organization, and the JSON:API error envelope. Only the attributes the port needs are
// declared; Productive's many others are accepted and dropped. Relationships are read as
// `{ data: { type, id } | null }` when the request asked to `include` them and as
// `{ meta: { included: false } }` when it did not, so a to-one relationship parses to an id,
// null (set to nothing) or undefined (not loaded). Times become luxon `DateTime`s in UTC.

import { DateTime } from 'luxon';
import { z } from 'zod';
import { dateTimeSchemas } from '../time-schemas.js';

/** Productive times are ISO 8601 with an offset (`2026-03-17T05:05:46.000+01:00`). */
export function parseProductiveTime(value: string): DateTime | null {
  const parsed = DateTime.fromISO(value.trim(), { zone: 'utc' });
  return parsed.isValid ? parsed : null;
}

const { timestamp, optionalTimestamp } = dateTimeSchemas(parseProductiveTime);

const optionalString = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

/** Numbers Productive sends either as JSON numbers or as decimal strings (money, probability). */
const optionalNumber = z
  .union([z.number(), z.string()])
  .nullish()
  .transform((value, ctx) => {
    if (value === null || value === undefined || value === '') return null;
    const number = typeof value === 'number' ? value : Number(value);
    if (Number.isFinite(number)) return number;
    ctx.addIssue({ code: 'custom', message: `not a number: ${JSON.stringify(value)}` });
    return z.NEVER;
  });

/** JSON:API ids are strings; a server that sends a number is forgiven. */
const resourceId = z.union([z.string().min(1), z.number().int()]).transform(String);

const identifier = z.object({ type: z.string(), id: resourceId });

/**
 * A to-one relationship: the id, null when set to nothing, undefined when not loaded
 * (`{ meta: { included: false } }`, or the key missing altogether).
 */
const toOne = z
  .object({ data: identifier.nullish() })
  .nullish()
  .transform((value): string | null | undefined => {
    if (value === null || value === undefined || value.data === undefined) return undefined;
    return value.data === null ? null : value.data.id;
  });

// ------------------------------------------------------------------------ deal statuses

/** `GET /api/v2/deal_statuses` items: the stages of a pipeline, their outcome in `status_id`. */
export const dealStatusSchema = z
  .object({
    id: resourceId,
    type: z.literal('deal_statuses'),
    attributes: z.object({
      name: z.string(),
      position: optionalNumber,
      archived_at: optionalTimestamp,
      /** 1 open, 2 won, 3 lost (4 delivered, for production pipelines). */
      status_id: z.number().int(),
      probability_enabled: z.boolean().nullish(),
      probability: optionalNumber,
      lost_reason_enabled: z.boolean().nullish(),
    }),
    relationships: z.object({ pipeline: toOne }).partial().nullish(),
  })
  .transform((raw) => ({
    id: raw.id,
    name: raw.attributes.name,
    position: raw.attributes.position,
    archived: raw.attributes.archived_at !== null,
    statusId: raw.attributes.status_id,
    probability: raw.attributes.probability_enabled === true ? raw.attributes.probability : null,
    lostReasonEnabled: raw.attributes.lost_reason_enabled === true,
    pipelineId: raw.relationships?.pipeline,
  }));
export type ProductiveDealStatus = z.output<typeof dealStatusSchema>;

// ---------------------------------------------------------------------------- pipelines

/** `GET /api/v2/pipelines` items. `pipeline_type_id` 1 is sales (deals), 2 production (budgets). */
export const pipelineSchema = z
  .object({
    id: resourceId,
    type: z.literal('pipelines'),
    attributes: z.object({
      name: z.string(),
      position: optionalNumber,
      default: z.boolean().nullish(),
      archived_at: optionalTimestamp,
      pipeline_type_id: z.number().int().nullish(),
    }),
  })
  .transform((raw) => ({
    id: raw.id,
    name: raw.attributes.name,
    position: raw.attributes.position,
    isDefault: raw.attributes.default === true,
    archived: raw.attributes.archived_at !== null,
    pipelineTypeId: raw.attributes.pipeline_type_id ?? null,
  }));
export type ProductivePipeline = z.output<typeof pipelineSchema>;

// ------------------------------------------------------------------------------- people

/** `GET /api/v2/people` items: users, contacts and placeholders share the resource. */
export const personSchema = z
  .object({
    id: resourceId,
    type: z.literal('people'),
    attributes: z.object({
      first_name: optionalString,
      last_name: optionalString,
      email: optionalString,
      deactivated_at: optionalTimestamp,
      archived_at: optionalTimestamp,
    }),
  })
  .transform((raw) => ({
    id: raw.id,
    name: [raw.attributes.first_name, raw.attributes.last_name].filter(Boolean).join(' ').trim(),
    email: raw.attributes.email,
    active: raw.attributes.deactivated_at === null && raw.attributes.archived_at === null,
  }));
export type ProductivePerson = z.output<typeof personSchema>;

const companySchema = z
  .object({ id: resourceId, type: z.literal('companies'), attributes: z.object({ name: optionalString }) })
  .transform((raw) => ({ id: raw.id, name: raw.attributes.name }));

/** `GET /api/v2/lost_reasons` items. */
export const lostReasonSchema = z
  .object({
    id: resourceId,
    type: z.literal('lost_reasons'),
    attributes: z.object({ name: z.string(), archived_at: optionalTimestamp, position: optionalNumber }),
  })
  .transform((raw) => ({
    id: raw.id,
    name: raw.attributes.name,
    archived: raw.attributes.archived_at !== null,
    position: raw.attributes.position,
  }));
export type ProductiveLostReason = z.output<typeof lostReasonSchema>;

// -------------------------------------------------------------------------------- deals

/**
 * `GET/POST/PATCH /api/v2/deals[/{id}]`. The endpoint serves deals and budgets alike
 * (`budget: true`); money is in cents of `currency` (see the mapping module).
 */
export const dealSchema = z
  .object({
    id: resourceId,
    type: z.literal('deals'),
    attributes: z.object({
      name: z.string(),
      budget: z.boolean().nullish(),
      currency: optionalString,
      /** Read-only, cents: what the deal is worth (see the mapping module for why this one). */
      revenue: optionalNumber,
      /** Not in Productive's resource schema nor in recorded deals; read when a server sends it. */
      deal_value: optionalNumber,
      budget_total: optionalNumber,
      probability: optionalNumber,
      end_date: optionalString,
      lost_comment: optionalString,
      created_at: timestamp,
      // Real deals carry none of `updated_at`, `won_at`, `lost_at` (cli-toolbox cassettes);
      // they are read when present, never required.
      updated_at: optionalTimestamp,
      /** "When the last activity (update, comment, status change) occurred on the deal". */
      last_activity_at: optionalTimestamp,
      /** "When the deal last moved between pipeline stages". */
      sales_status_updated_at: optionalTimestamp,
      sales_closed_at: optionalTimestamp,
      won_at: optionalTimestamp,
      lost_at: optionalTimestamp,
    }),
    relationships: z
      .object({
        deal_status: toOne,
        pipeline: toOne,
        company: toOne,
        contact: toOne,
        responsible: toOne,
        lost_reason: toOne,
      })
      .partial()
      .nullish(),
  })
  .transform((raw) => ({
    id: raw.id,
    name: raw.attributes.name,
    isBudget: raw.attributes.budget === true,
    currency: raw.attributes.currency,
    revenueCents: raw.attributes.revenue,
    dealValueCents: raw.attributes.deal_value,
    budgetTotalCents: raw.attributes.budget_total,
    probability: raw.attributes.probability,
    endDate: raw.attributes.end_date,
    lostComment: raw.attributes.lost_comment,
    createdAt: raw.attributes.created_at,
    updatedAt: raw.attributes.updated_at ?? raw.attributes.last_activity_at,
    stageChangedAt: raw.attributes.sales_status_updated_at,
    salesClosedAt: raw.attributes.sales_closed_at,
    wonAt: raw.attributes.won_at,
    lostAt: raw.attributes.lost_at,
    stageId: raw.relationships?.deal_status,
    pipelineId: raw.relationships?.pipeline,
    companyId: raw.relationships?.company,
    contactId: raw.relationships?.contact,
    responsibleId: raw.relationships?.responsible,
    lostReasonId: raw.relationships?.lost_reason,
  }));
export type ProductiveDeal = z.output<typeof dealSchema>;

// ----------------------------------------------------------------------------- included

/** What `included` resources of a deal answer tell the mapping, by id. */
export interface IncludedIndex {
  dealStatuses: Map<string, ProductiveDealStatus>;
  pipelines: Map<string, ProductivePipeline>;
  companies: Map<string, string>;
  people: Map<string, ProductivePerson>;
  lostReasons: Map<string, string>;
}

export function emptyIncluded(): IncludedIndex {
  return { dealStatuses: new Map(), pipelines: new Map(), companies: new Map(), people: new Map(), lostReasons: new Map() };
}

/**
 * The compound document's `included` array. Known types are checked with their own schema
 * (a known type that does not parse is a bad answer); other types are dropped.
 */
const includedSchema = z
  .array(z.object({ type: z.string(), id: resourceId }).passthrough())
  .nullish()
  .transform((items, ctx): IncludedIndex => {
    const index = emptyIncluded();
    (items ?? []).forEach((item, position) => {
      const fail = (error: z.ZodError): void => {
        for (const issue of error.issues) ctx.addIssue({ ...issue, path: [position, ...issue.path] } as never);
      };
      switch (item.type) {
        case 'deal_statuses': {
          const parsed = dealStatusSchema.safeParse(item);
          if (parsed.success) index.dealStatuses.set(parsed.data.id, parsed.data);
          else fail(parsed.error);
          break;
        }
        case 'pipelines': {
          const parsed = pipelineSchema.safeParse(item);
          if (parsed.success) index.pipelines.set(parsed.data.id, parsed.data);
          else fail(parsed.error);
          break;
        }
        case 'companies': {
          const parsed = companySchema.safeParse(item);
          if (parsed.success) {
            if (parsed.data.name) index.companies.set(parsed.data.id, parsed.data.name);
          } else fail(parsed.error);
          break;
        }
        case 'people': {
          const parsed = personSchema.safeParse(item);
          if (parsed.success) index.people.set(parsed.data.id, parsed.data);
          else fail(parsed.error);
          break;
        }
        case 'lost_reasons': {
          const parsed = lostReasonSchema.safeParse(item);
          if (parsed.success) index.lostReasons.set(parsed.data.id, parsed.data.name);
          else fail(parsed.error);
          break;
        }
        default:
          break;
      }
    });
    return index;
  });

// ------------------------------------------------------------------------------ documents

/** `meta` of a paged list (`current_page`, `total_pages`, `total_count`, `page_size`, `max_page_size`). */
const pageMeta = z
  .object({
    current_page: z.number().int().nullish(),
    total_pages: z.number().int().nullish(),
    total_count: z.number().int().nullish(),
  })
  .nullish()
  .transform((meta) => ({
    currentPage: meta?.current_page ?? null,
    totalPages: meta?.total_pages ?? null,
    totalCount: meta?.total_count ?? null,
  }));

export function listDocument<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), included: includedSchema, meta: pageMeta });
}

export function singleDocument<T extends z.ZodType>(item: T) {
  return z.object({ data: item, included: includedSchema });
}

export const dealStatusListDocument = listDocument(dealStatusSchema);
export const pipelineListDocument = listDocument(pipelineSchema);
export const personListDocument = listDocument(personSchema);
export const lostReasonListDocument = listDocument(lostReasonSchema);
export const dealListDocument = listDocument(dealSchema);
export const dealDocument = singleDocument(dealSchema);

/**
 * `GET /api/v2/organization_memberships?include=person`: the memberships of the token's own
 * user, each pointing at the person it is in the organization (how `whoAmI` learns whose token
 * it is; trogulja/ptt reads it the same way, see test/fixtures/productive/README.md).
 */
export const membershipListDocument = z.object({
  data: z.array(
    z.object({
      id: resourceId,
      type: z.literal('organization_memberships'),
      relationships: z
        .object({
          person: z.object({ data: z.object({ id: resourceId }).nullish() }).nullish(),
          organization: z.object({ data: z.object({ id: resourceId }).nullish() }).nullish(),
        })
        .nullish(),
    }),
  ),
  included: includedSchema,
});

/** `GET /api/v2/organizations/{id}`: only the default currency. */
export const organizationDocument = z.object({
  data: z.object({
    id: resourceId,
    type: z.literal('organizations'),
    attributes: z.object({ currency: optionalString, currency_default: optionalString }),
  }),
});

// ------------------------------------------------------------------------------- errors

/**
 * The JSON:API error envelope of seed 000 §errors: `status` is a string, `source.pointer`
 * has no leading slash (`data/attributes/name`), a 409 may carry no `detail` and `source: {}`.
 */
export const errorDocumentSchema = z.object({
  errors: z.array(
    z.object({
      status: z.union([z.string(), z.number()]).nullish(),
      code: z.string().nullish(),
      title: z.string().nullish(),
      detail: z.string().nullish(),
      source: z.object({ pointer: z.string().nullish(), parameter: z.string().nullish() }).nullish(),
    }),
  ),
});
export type ProductiveErrorObject = z.output<typeof errorDocumentSchema>['errors'][number];
