// Zod schemas of the Pipedrive answers the adapter reads, taken from Pipedrive's published
// OpenAPI specs (v2 deals, search, stages, pipelines, a person, an organization; v1 users,
// users/me, deal flow). Lenient where the spec or practice says a field can be missing or
// null (the spec marks almost nothing required, and v1 sends "" for unset times), strict on
// what the bot cannot do without (ids, titles, stage and pipeline of a deal). Unknown keys
// are accepted and dropped. Times become luxon `DateTime`s in UTC. The primitives, v1 paging
// and `related_objects` readers are shared with the v1 dialect's schemas (`v1-schemas.ts`).

import { DateTime } from 'luxon';
import { z } from 'zod';
import { dateTimeSchemas } from '../time-schemas.js';

/** Pipedrive times: RFC 3339 in v2, `YYYY-MM-DD HH:MM:SS` (UTC) in v1. Null when unreadable. */
export function parsePipedriveTime(value: string): DateTime | null {
  const trimmed = value.trim();
  const iso = DateTime.fromISO(trimmed, { zone: 'utc' });
  if (iso.isValid) return iso;
  const sql = DateTime.fromSQL(trimmed, { zone: 'utc' });
  return sql.isValid ? sql : null;
}

const pipedriveTimes = dateTimeSchemas(parsePipedriveTime);
export const timestamp = pipedriveTimes.timestamp;

/** An unset time arrives as null, absent or "" depending on the endpoint. */
const optionalTimestamp = pipedriveTimes.optionalTimestamp;

/** Integers in Pipedrive; strings on the port. Some v1-style servers already send strings. */
export const id = z.union([z.number().int(), z.string().min(1)]).transform(String);
export const optionalId = z
  .union([z.number().int(), z.string()])
  .nullish()
  .transform((value) => (value === null || value === undefined || value === '' || value === 0 ? null : String(value)));

export const optionalString = z
  .string()
  .nullish()
  .transform((value) => value ?? null);
export const optionalNumber = z
  .number()
  .nullish()
  .transform((value) => value ?? null);

// ---------------------------------------------------------------------------------- v2

/** `GET/POST/PATCH /api/v2/deals[/{id}]` items (GetDealsResponse / UpsertDealResponse). */
export const dealSchema = z.object({
  id,
  title: z.string(),
  owner_id: optionalId,
  person_id: optionalId,
  org_id: optionalId,
  pipeline_id: id,
  stage_id: id,
  value: optionalNumber,
  currency: optionalString,
  add_time: timestamp,
  /** Null in a v2 webhook's deal (PipedreamHQ's recorded `create.deal` event). */
  update_time: optionalTimestamp,
  stage_change_time: optionalTimestamp,
  is_deleted: z.boolean().nullish(),
  status: z.string().nullish(),
  probability: optionalNumber,
  lost_reason: optionalString,
  close_time: optionalTimestamp,
  won_time: optionalTimestamp,
  lost_time: optionalTimestamp,
  expected_close_date: optionalString,
});
export type PipedriveDeal = z.output<typeof dealSchema>;

/** `additional_data` of v2 cursor-paged lists; the last page has a null or absent cursor. */
const cursorPage = z
  .object({ next_cursor: z.string().nullish() })
  .nullish()
  .transform((value) => ({ nextCursor: value?.next_cursor || null }));

/** v1 sends `data: null` for an empty list. */
export function listOf<T extends z.ZodType>(item: T) {
  return z
    .array(item)
    .nullish()
    .transform((value) => value ?? []);
}

export function v2ItemResponse<T extends z.ZodType>(data: T) {
  return z.object({ success: z.boolean().optional(), data });
}

export function v2ListResponse<T extends z.ZodType>(item: T) {
  return z.object({ success: z.boolean().optional(), data: listOf(item), additional_data: cursorPage });
}

export const dealResponseSchema = v2ItemResponse(dealSchema);
export const dealListResponseSchema = v2ListResponse(dealSchema);

/** `GET /api/v2/deals/search` (GetDealSearchResponse). */
const searchItemSchema = z.object({
  result_score: z.number().nullish(),
  item: z.object({
    id,
    title: z.string(),
    value: optionalNumber,
    currency: optionalString,
    status: z.string().nullish(),
    owner: z.object({ id: optionalId }).nullish(),
    stage: z.object({ id: optionalId, name: optionalString }).nullish(),
    person: z.object({ id: optionalId, name: optionalString }).nullish(),
    organization: z.object({ id: optionalId, name: optionalString }).nullish(),
  }),
});
export type PipedriveSearchItem = z.output<typeof searchItemSchema>['item'];

export const dealSearchResponseSchema = z.object({
  success: z.boolean().optional(),
  data: z
    .object({ items: listOf(searchItemSchema) })
    .nullish()
    .transform((value) => value?.items ?? []),
  additional_data: cursorPage,
});

/** `GET /api/v2/stages` (StageItem). */
export const stageSchema = z.object({
  id,
  pipeline_id: id,
  name: z.string(),
  order_nr: optionalNumber,
  is_deleted: z.boolean().nullish(),
  deal_probability: optionalNumber,
});
export type PipedriveStage = z.output<typeof stageSchema>;
export const stageListResponseSchema = v2ListResponse(stageSchema);

/** `GET /api/v2/pipelines`. The pipeline with the lowest `order_nr` is the default one. */
export const pipelineSchema = z.object({
  id,
  name: z.string(),
  order_nr: optionalNumber,
  is_deleted: z.boolean().nullish(),
});
export type PipedrivePipeline = z.output<typeof pipelineSchema>;
export const pipelineListResponseSchema = v2ListResponse(pipelineSchema);

/** `GET /api/v2/persons/{id}` and `/api/v2/organizations/{id}`: only what a `PartyRef` needs. */
export const partySchema = z.object({ id, name: optionalString });
export const partyResponseSchema = v2ItemResponse(partySchema);

/** `GET /api/v2/organizations/search` and `/api/v2/persons/search`: `data.items[].item`. */
export const partySearchResponseSchema = z.object({
  success: z.boolean().optional(),
  data: z
    .object({ items: listOf(z.object({ result_score: z.number().nullish(), item: partySchema })) })
    .nullish()
    .transform((value) => value?.items ?? []),
  additional_data: cursorPage,
});

/** `POST /v1/notes` (UpsertNoteResponse): only the note's id is kept. */
export const noteResponseSchema = z.object({ success: z.boolean().optional(), data: z.object({ id }) });

// ---------------------------------------------------------------------------------- v1

/** `GET /v1/users` items (BaseUser). */
export const userSchema = z.object({
  id,
  name: z.string(),
  email: optionalString,
  active_flag: z.boolean().nullish(),
  is_deleted: z.boolean().nullish(),
  default_currency: optionalString,
});
export type PipedriveUser = z.output<typeof userSchema>;
export const userListResponseSchema = z.object({ success: z.boolean().optional(), data: listOf(userSchema) });

/** `GET /v1/users/me`: the token's user, with the account's currency and company domain. */
export const currentUserResponseSchema = z.object({
  success: z.boolean().optional(),
  data: userSchema.extend({ company_domain: optionalString }),
});
export type PipedriveCurrentUser = z.output<typeof currentUserResponseSchema>['data'];

/** A scalar as Pipedrive logs it in a dealChange: numbers, strings or null. */
const changeValue = z
  .union([z.string(), z.number(), z.boolean()])
  .nullish()
  .transform((value) => (value === null || value === undefined || value === '' ? null : String(value)));

/**
 * A dealChange's `additional_data`: `{ old_value_formatted, new_value_formatted }` when
 * Pipedrive names the values (an owner's or a stage's name), `[]` or absent otherwise. Read
 * for display only, so a shape we cannot read is no label rather than an error.
 */
const formattedValues = z
  .unknown()
  .optional()
  .transform((value) => {
    const parsed = z.object({ old_value_formatted: z.unknown().optional(), new_value_formatted: z.unknown().optional() }).safeParse(value);
    const label = (raw: unknown): string | null => (typeof raw === 'string' && raw.trim() !== '' ? raw : null);
    return parsed.success
      ? { from: label(parsed.data.old_value_formatted), to: label(parsed.data.new_value_formatted) }
      : { from: null, to: null };
  });

const dealChangeDataSchema = z.object({
  field_key: z.string(),
  old_value: changeValue,
  new_value: changeValue,
  user_id: optionalId,
  additional_data: formattedValues,
});

const noteDataSchema = z.object({
  content: optionalString,
  user_id: optionalId,
  user: z.object({ name: optionalString }).nullish(),
});

const activityDataSchema = z.object({
  subject: optionalString,
  type: optionalString,
  /** Boolean in the flow sample, 0/1 elsewhere in v1. */
  done: z
    .union([z.boolean(), z.number()])
    .nullish()
    .transform((value) => value === true || value === 1),
  user_id: optionalId,
  owner_name: optionalString,
  /** `YYYY-MM-DD`; with an empty `due_time` the activity is all-day. */
  due_date: optionalString,
  /** `HH:MM` (UTC), or "" / absent for an all-day activity. */
  due_time: optionalString,
});

export type FlowEntry =
  | { object: 'dealChange'; at: DateTime; data: z.output<typeof dealChangeDataSchema> }
  | { object: 'note'; at: DateTime; data: z.output<typeof noteDataSchema> }
  | { object: 'activity'; at: DateTime; data: z.output<typeof activityDataSchema> }
  /** Mail, files, followers…: not part of a deal's history as Dealbot tells it. */
  | { object: 'other'; at: DateTime; kind: string };

const FLOW_DATA_SCHEMAS = {
  dealChange: dealChangeDataSchema,
  note: noteDataSchema,
  activity: activityDataSchema,
} as const;

/** One `GET /v1/deals/{id}/flow` item; the known kinds have their `data` checked too. */
const flowItemSchema = z.object({ object: z.string(), timestamp, data: z.unknown() }).transform((item, ctx): FlowEntry => {
  if (!(item.object in FLOW_DATA_SCHEMAS)) return { object: 'other', at: item.timestamp, kind: item.object };
  const kind = item.object as keyof typeof FLOW_DATA_SCHEMAS;
  const parsed = FLOW_DATA_SCHEMAS[kind].safeParse(item.data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: ['data', ...issue.path] } as never);
    return z.NEVER;
  }
  return { object: kind, at: item.timestamp, data: parsed.data } as FlowEntry;
});

const v1Pagination = z.object({
  start: z.number().nullish(),
  limit: z.number().nullish(),
  more_items_in_collection: z.boolean().nullish(),
  next_start: z.number().nullish(),
});

/**
 * `additional_data` of v1 offset-paged lists. The spec puts the pagination keys at the top of
 * additional_data, its examples (and FT) under `pagination`; both are read.
 */
export const v1PageSchema = v1Pagination
  .extend({ pagination: v1Pagination.nullish() })
  .nullish()
  .transform((value) => {
    const page = value?.pagination ?? value;
    return {
      start: page?.start ?? null,
      limit: page?.limit ?? null,
      more: page?.more_items_in_collection === true,
      nextStart: page?.next_start ?? null,
    };
  });
export type V1Page = z.output<typeof v1PageSchema>;

/** Display names a v1 answer's `related_objects` carries, by kind and id. */
export interface RelatedNames {
  user: ReadonlyMap<string, string>;
  person: ReadonlyMap<string, string>;
  organization: ReadonlyMap<string, string>;
}

const namedEntry = z.object({ name: z.string().nullish() });

/**
 * `related_objects` of a v1 answer, read for names only, so a shape we cannot read is no
 * error: each kind and each entry is read on its own and skipped when unreadable.
 */
export const relatedNamesSchema = z
  .unknown()
  .optional()
  .transform((value): RelatedNames => {
    // The flow example nests the maps in an `allOf` array; merge it back into one object.
    const allOf = z.object({ allOf: z.array(z.record(z.string(), z.unknown())) }).safeParse(value);
    const merged = allOf.success ? Object.assign({}, ...allOf.data.allOf) : value;
    const byKind = z.record(z.string(), z.unknown()).safeParse(merged);
    const names = (kind: keyof RelatedNames): Map<string, string> => {
      const found = new Map<string, string>();
      const entries = z.record(z.string(), z.unknown()).safeParse(byKind.success ? byKind.data[kind] : undefined);
      if (!entries.success) return found;
      for (const [key, entry] of Object.entries(entries.data)) {
        const parsed = namedEntry.safeParse(entry);
        if (parsed.success && parsed.data.name) found.set(key, parsed.data.name);
      }
      return found;
    };
    return { user: names('user'), person: names('person'), organization: names('organization') };
  });

export const dealFlowResponseSchema = z.object({
  success: z.boolean().optional(),
  data: listOf(flowItemSchema),
  additional_data: v1PageSchema,
  /** Users named in the page, by id. */
  related_objects: relatedNamesSchema.transform((names) => names.user),
});

// -------------------------------------------------------------------------------- errors

/** The error body every Pipedrive 4xx uses (`{ success: false, error, error_info?, data? }`). */
export const errorBodySchema = z.object({
  success: z.boolean().optional(),
  error: z.string().nullish(),
  error_info: z.string().nullish(),
  errorCode: z.number().nullish(),
  message: z.string().nullish(),
});
