// Zod schemas of the PipelineDeals API v3 answers the adapter reads: deals (list, one,
// created, updated), admin deal stages and loss reasons, users, the account (for its
// currency) and a created note. Shapes follow the seed's samples and the recorded answers
// of PipelineDeals' own client (see the module comment of `pipelinedeals-client.ts`).
//
// Lenient where the samples disagree or show null (an update answers without
// `deal_stage`, `user` is `{full_name}` in one sample and `{first_name, last_name}` in
// another, `closed_time` is a date in the docs and a datetime in recorded answers, decimals
// may arrive as strings), strict on what the bot cannot do without (ids, names, times).
// Unknown keys are dropped, which also drops `collaborators[].api_key`: other users'
// credentials never leave this module.

import { DateTime } from 'luxon';
import { z } from 'zod';
import { dateTimeSchemas } from '../time-schemas.js';

/**
 * PipelineDeals datetimes, `2012/02/07 15:26:10 -0500`: account-local wall time with its
 * offset, which moves with DST (-0500 in winter, -0400 in summer for New York accounts).
 * The offset is kept as the zone, so the instant and the local reading both survive.
 * ISO-8601 is accepted too, for servers that answer JSON requests that way. Null when
 * unreadable.
 */
export function parsePipelineDealsTime(value: string): DateTime | null {
  const trimmed = value.trim().replace(/\s+/g, ' ');
  const native = DateTime.fromFormat(trimmed, 'yyyy/MM/dd HH:mm:ss ZZZ', { setZone: true });
  if (native.isValid) return native;
  const iso = DateTime.fromISO(trimmed, { setZone: true });
  return iso.isValid && /[zZ]|[+-]\d{2}:?\d{2}$/.test(trimmed) ? iso : null;
}

/** A calendar date `YYYY-MM-DD` (or `YYYY/MM/DD`), as the port's `IsoDate`; null otherwise. */
export function parsePipelineDealsDate(value: string): string | null {
  const match = /^(\d{4})[-/](\d{2})[-/](\d{2})$/.exec(value.trim());
  if (!match) return null;
  const iso = `${match[1]}-${match[2]}-${match[3]}`;
  return DateTime.fromISO(iso, { zone: 'utc' }).isValid ? iso : null;
}

const { timestamp } = dateTimeSchemas(parsePipelineDealsTime, 'a PipelineDeals date-time');

/** `closed_time`: a date per the docs, a datetime in recorded answers; either is kept as text and read in the mapping. */
const closedTime = z
  .string()
  .nullish()
  .transform((value, ctx) => {
    if (value === null || value === undefined || value.trim() === '') return null;
    if (parsePipelineDealsTime(value) || parsePipelineDealsDate(value)) return value.trim();
    ctx.addIssue({ code: 'custom', message: `not a date or date-time: ${JSON.stringify(value)}` });
    return z.NEVER;
  });

const optionalDate = z
  .string()
  .nullish()
  .transform((value) => (value ? parsePipelineDealsDate(value) : null));

/** Integers in PipelineDeals; strings on the port. */
const id = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String);
const optionalId = z
  .union([z.number().int(), z.string()])
  .nullish()
  .transform((value) => (value === null || value === undefined || value === '' ? null : String(value)));

const optionalString = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

/** Rails renders decimals as strings ("123.45") or numbers depending on the serializer. */
const decimal = z
  .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)])
  .nullish()
  .transform((value) => (value === null || value === undefined ? null : Number(value)));

const optionalInt = z
  .number()
  .nullish()
  .transform((value) => value ?? null);

/** People and users come as `{full_name}` or `{first_name, last_name}` depending on the endpoint. */
const nameFields = {
  full_name: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  name: z.string().nullish(),
};

const namedRef = z.object({ id, ...nameFields }).transform((ref) => ({ id: ref.id, name: personName(ref) }));

function personName(ref: {
  full_name?: string | null | undefined;
  first_name?: string | null | undefined;
  last_name?: string | null | undefined;
  name?: string | null | undefined;
}): string | null {
  const full =
    ref.full_name?.trim() ||
    [ref.first_name, ref.last_name]
      .filter((p) => p?.trim())
      .join(' ')
      .trim();
  return full || ref.name?.trim() || null;
}

// ---------------------------------------------------------------------------------- deals

/** A deal as `GET/POST/PUT /api/v3/deals[/{id}].json` answer it (and each list entry). */
export const dealSchema = z.object({
  id,
  name: z.string(),
  user_id: optionalId,
  deal_stage_id: optionalId,
  deal_stage: z
    .object({ id, name: z.string().nullish(), percent: optionalInt })
    .nullish()
    .transform((stage) => stage ?? null),
  probability: optionalInt,
  closed_time: closedTime,
  created_at: timestamp,
  updated_at: timestamp,
  expected_close_date: optionalDate,
  value: decimal,
  value_in_cents: optionalInt,
  /** Since Oct 2017 (`{code, name, symbol}`); the create sample has `currency_code` instead. */
  currency: z
    .object({ code: z.string().nullish() })
    .nullish()
    .transform((currency) => currency?.code ?? null),
  currency_code: optionalString,
  company_id: optionalId,
  company: z
    .object({ id, name: z.string().nullish() })
    .nullish()
    .transform((company) => (company ? { id: company.id, name: company.name?.trim() || null } : null)),
  primary_contact_id: optionalId,
  primary_contact: namedRef.nullish().transform((ref) => ref ?? null),
  people: z
    .array(namedRef)
    .nullish()
    .transform((people) => people ?? []),
  deal_loss_reason_id: optionalId,
  deal_loss_reason: z
    .object({ id, name: z.string() })
    .nullish()
    .transform((reason) => reason ?? null),
  deal_loss_reason_notes: optionalString,
  is_archived: z.boolean().nullish(),
  /** Accounts with several pipelines (recorded 2021 onwards); absent in older answers. */
  deal_pipeline_id: optionalId,
  deal_pipeline: z
    .object({ id })
    .nullish()
    .transform((pipeline) => pipeline?.id ?? null),
  /** `custom_label_<n>` values: kept on the raw deal (never on the port's `Deal`), never written back. */
  custom_fields: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((fields) => fields ?? {}),
});
export type PipelineDealsDeal = z.output<typeof dealSchema>;

/** `{entries, pagination}`; `pages` is absent in the seed's sample and present in recorded answers. */
const pagination = z
  .object({
    page: z.number().int().nullish(),
    per_page: z.number().int().nullish(),
    pages: z.number().int().nullish(),
    total: z.number().int().nullish(),
  })
  .nullish()
  .transform((p) => ({
    page: p?.page ?? null,
    perPage: p?.per_page ?? null,
    pages: p?.pages ?? null,
    total: p?.total ?? null,
  }));
export type PipelineDealsPagination = z.output<typeof pagination>;

/** A bare array (how some collections answer, per PipelineDeals' Ruby client) is one whole page. */
function pageOf<T extends z.ZodType>(entry: T) {
  return z.preprocess((body) => (Array.isArray(body) ? { entries: body } : body), z.object({ entries: z.array(entry), pagination }));
}

export const dealPageSchema = pageOf(dealSchema);

// ---------------------------------------------------------------------------------- admin

/** `GET /api/v3/admin/deal_stages.json` entries: `{id, name, percent, deal_pipeline_id?}` (no pipeline in 2013 answers). */
export const stageSchema = z.object({ id, name: z.string(), percent: optionalInt, deal_pipeline_id: optionalId });
export type PipelineDealsStage = z.output<typeof stageSchema>;
export const stagePageSchema = pageOf(stageSchema);

/** A pipeline's own won or lost stage, as `/admin/deal_pipelines` names it. */
const closingStageRef = z
  .object({ id })
  .nullish()
  .transform((stage) => stage?.id ?? null);

/**
 * `GET /api/v3/admin/deal_pipelines.json` entries (recorded by Nango, 2026):
 * `{id, name, default, pipeline_type, won_stage{id, percent, name}, lost_stage{…}}`.
 */
export const pipelineSchema = z.object({
  id,
  name: z.string(),
  default: z.boolean().nullish(),
  won_stage: closingStageRef,
  lost_stage: closingStageRef,
});
export type PipelineDealsPipeline = z.output<typeof pipelineSchema>;
export const pipelinePageSchema = pageOf(pipelineSchema);

/** `GET /api/v3/admin/deal_loss_reasons.json` entries: `{id, name, position?}`. */
export const lossReasonSchema = z.object({ id, name: z.string(), position: optionalInt });
export type PipelineDealsLossReason = z.output<typeof lossReasonSchema>;
export const lossReasonPageSchema = pageOf(lossReasonSchema);

// ---------------------------------------------------------------------------------- users

/** `GET /api/v3/admin/users.json` (and `/users.json`) entries. Deactivated users carry a `deleted_at`. */
export const userSchema = z
  .object({
    id,
    ...nameFields,
    email: optionalString,
    deleted_at: optionalString,
    is_active: z.boolean().nullish(),
  })
  .transform((user) => ({
    id: user.id,
    name: personName(user) ?? user.email ?? `#${user.id}`,
    email: user.email,
    active: user.deleted_at === null && user.is_active !== false,
  }));
export const userPageSchema = pageOf(userSchema);
/**
 * `GET /api/v3/profile.json`: the key's own user, readable without admin rights
 * (PipelineDeals/pipeline_api, `lib/pipeline/profile.rb`). Taken bare or under `user`.
 */
export const profileSchema = z.union([z.object({ user: userSchema }).transform((body) => body.user), userSchema]);

// ---------------------------------------------------------------------------------- account

/**
 * `GET /api/v3/account.json`: only the account currency is read. Recorded answers carry
 * `currency: {code, …}`; older ones `currency_id` plus `selected_currencies[]`.
 */
export const accountSchema = z
  .object({
    currency: z.object({ code: z.string().min(1) }).nullish(),
    currency_id: optionalId,
    selected_currencies: z
      .array(z.object({ id, code: z.string().min(1) }))
      .nullish()
      .transform((list) => list ?? []),
  })
  .transform((account) => ({
    currency:
      account.currency?.code ??
      account.selected_currencies.find((c) => c.id === account.currency_id)?.code ??
      account.selected_currencies[0]?.code ??
      null,
  }));

// ---------------------------------------------------------------------------------- notes

/** `POST /api/v3/notes.json` answers the note; only its id is needed. */
export const noteSchema = z.object({ id });

// ---------------------------------------------------------------------------------- errors

/** The documented 422 body: `[{field, humanized_field, msg}]`. */
export const validationErrorsSchema = z.array(
  z.object({
    field: z.string().nullish(),
    humanized_field: z.string().nullish(),
    msg: z.string().nullish(),
  }),
);
