// Zod schemas of the v1 dialect: the deal, search, stage and pipeline answers of servers that
// speak only Pipedrive v1 (`PIPEDRIVE_API_VERSION=v1`, e.g. the "Fintesk" server of seed 003).
// Two variants of the dialect are read alike (API-MAP §4, §7 items 9–12, 20–21):
// - the deal's name is `title` (Pipedrive) or `name` (Fintesk);
// - `user_id`, `person_id` and `org_id` are plain ids (Pipedrive's single-deal samples) or
//   objects carrying the id in `value` and a `name` (Fintesk, and Pipedrive's list examples);
// - ordering is `order_nr` (Pipedrive) or `order_nbr` (Fintesk);
// - times are `YYYY-MM-DD HH:MM:SS` in UTC, or RFC 3339 in Fintesk's samples.
// Each schema outputs the v2 shapes of `schemas.ts`, so `pipedrive-mapping.ts` maps both
// versions to the port, plus the party names v1 answers carry for free.

import { z } from 'zod';
import {
  id,
  listOf,
  optionalId,
  optionalNumber,
  optionalString,
  parsePipedriveTime,
  relatedNamesSchema,
  timestamp,
  v1PageSchema,
  type PipedriveDeal,
  type PipedrivePipeline,
  type PipedriveSearchItem,
  type PipedriveStage,
} from './schemas.js';

/**
 * An optional time a deal card can live without (stage change, close, won, lost). v1 sends ""
 * when unset and Fintesk's samples the placeholder "string"; either reads as no time rather
 * than hiding the whole deal.
 */
const lenientTime = z
  .string()
  .nullish()
  .transform((value) => (value ? parsePipedriveTime(value) : null));

/** v1 bodies carry the value as a string ("If omitted, value will be set to 0"); answers as a number. */
const amount = z
  .union([z.number(), z.string()])
  .nullish()
  .transform((value) => {
    if (value === null || value === undefined || value === '') return null;
    const parsed = typeof value === 'number' ? value : Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  });

/** An ISO 4217-shaped code, upper-cased; anything else (Fintesk's samples say "string") is no currency. */
const currencyCode = z
  .string()
  .nullish()
  .transform((value) => (value && /^[A-Za-z]{3}$/.test(value.trim()) ? value.trim().toUpperCase() : null));

/** A reference as v1 sends it: a plain id, or an object with the id in `value` (else `id`) and a name. */
const reference = z
  .union([
    z.number(),
    z.string(),
    z.object({
      value: z.union([z.number(), z.string()]).nullish(),
      id: z.union([z.number(), z.string()]).nullish(),
      name: z.string().nullish(),
    }),
  ])
  .nullish()
  .transform((value): { id: string | null; name: string | null } => {
    const raw = typeof value === 'object' && value !== null ? (value.value ?? value.id) : value;
    const refId = raw === null || raw === undefined || raw === '' || raw === 0 ? null : String(raw);
    const name = typeof value === 'object' && value !== null ? (value.name ?? null) : null;
    return { id: refId, name: refId === null ? null : name };
  });

/** A v1 deal with the names it carries; the deal itself in the v2 shape. */
export interface V1Deal {
  deal: PipedriveDeal;
  personName: string | null;
  organizationName: string | null;
}

/** `GET /v1/deals[/{id}]`, `POST /v1/deals`, `PUT /v1/deals/{id}` items. */
export const v1DealSchema = z
  .object({
    id,
    title: z.string().nullish(),
    name: z.string().nullish(),
    user_id: reference,
    person_id: reference,
    org_id: reference,
    pipeline_id: id,
    stage_id: id,
    value: amount,
    currency: currencyCode,
    add_time: timestamp,
    update_time: timestamp,
    stage_change_time: lenientTime,
    status: z.string().nullish(),
    deleted: z.boolean().nullish(),
    probability: optionalNumber,
    lost_reason: optionalString,
    close_time: lenientTime,
    won_time: lenientTime,
    lost_time: lenientTime,
    expected_close_date: optionalString,
    person_name: optionalString,
    org_name: optionalString,
  })
  .transform((raw, ctx): V1Deal => {
    const title = raw.title ?? raw.name;
    if (title === null || title === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a deal needs a title (or, on Fintesk, a name)', path: ['title'] });
      return z.NEVER;
    }
    return {
      deal: {
        id: raw.id,
        title,
        owner_id: raw.user_id.id,
        person_id: raw.person_id.id,
        org_id: raw.org_id.id,
        pipeline_id: raw.pipeline_id,
        stage_id: raw.stage_id,
        value: raw.value,
        currency: raw.currency,
        add_time: raw.add_time,
        update_time: raw.update_time,
        stage_change_time: raw.stage_change_time,
        is_deleted: raw.deleted,
        status: raw.status,
        probability: raw.probability,
        lost_reason: raw.lost_reason,
        close_time: raw.close_time,
        won_time: raw.won_time,
        lost_time: raw.lost_time,
        expected_close_date: raw.expected_close_date,
      },
      personName: raw.person_id.name ?? raw.person_name,
      organizationName: raw.org_id.name ?? raw.org_name,
    };
  });

/** A single deal: Pipedrive answers 200, Fintesk's create 201; both with related_objects. */
export const v1DealResponseSchema = z.object({
  success: z.boolean().optional(),
  data: v1DealSchema,
  related_objects: relatedNamesSchema,
});

export const v1DealListResponseSchema = z.object({
  success: z.boolean().optional(),
  data: listOf(v1DealSchema),
  additional_data: v1PageSchema,
  related_objects: relatedNamesSchema,
});

/** `GET /v1/deals/search` items: `title` (Pipedrive) or `name` (Fintesk). */
const v1SearchItemSchema = z
  .object({
    result_score: z.number().nullish(),
    item: z.object({
      id,
      title: z.string().nullish(),
      name: z.string().nullish(),
      value: amount,
      currency: currencyCode,
      status: z.string().nullish(),
      owner: z.object({ id: optionalId }).nullish(),
      stage: z.object({ id: optionalId, name: optionalString }).nullish(),
      person: z.object({ id: optionalId, name: optionalString }).nullish(),
      organization: z.object({ id: optionalId, name: optionalString }).nullish(),
    }),
  })
  .transform(({ item }, ctx): PipedriveSearchItem => {
    const title = item.title ?? item.name;
    if (title === null || title === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a hit needs a title (or name)', path: ['item', 'title'] });
      return z.NEVER;
    }
    const { name: _name, ...rest } = item;
    return { ...rest, title };
  });

export const v1DealSearchResponseSchema = z.object({
  success: z.boolean().optional(),
  data: z
    .object({ items: listOf(v1SearchItemSchema) })
    .nullish()
    .transform((value) => value?.items ?? []),
  additional_data: v1PageSchema,
});

/** `GET /v1/stages` items. A stage whose `active_flag` is false has been deleted. */
const v1StageSchema = z
  .object({
    id,
    pipeline_id: id,
    name: z.string(),
    order_nr: optionalNumber,
    order_nbr: optionalNumber,
    active_flag: z.boolean().nullish(),
    deal_probability: optionalNumber,
  })
  .transform((raw): PipedriveStage => ({
    id: raw.id,
    pipeline_id: raw.pipeline_id,
    name: raw.name,
    order_nr: raw.order_nr ?? raw.order_nbr,
    is_deleted: raw.active_flag === false,
    deal_probability: raw.deal_probability,
  }));

export const v1StageListResponseSchema = z.object({
  success: z.boolean().optional(),
  data: listOf(v1StageSchema),
  additional_data: v1PageSchema,
});

/**
 * `GET /v1/pipelines` items. `active` (Pipedrive) or `active_flag` (Fintesk) false means
 * deleted; `deal_probability` is a flag here, not a percentage, so it is not read.
 */
const v1PipelineSchema = z
  .object({
    id,
    name: z.string(),
    order_nr: optionalNumber,
    order_nbr: optionalNumber,
    active: z.boolean().nullish(),
    active_flag: z.boolean().nullish(),
  })
  .transform((raw): PipedrivePipeline => ({
    id: raw.id,
    name: raw.name,
    order_nr: raw.order_nr ?? raw.order_nbr,
    is_deleted: raw.active === false || raw.active_flag === false,
  }));

export const v1PipelineListResponseSchema = z.object({
  success: z.boolean().optional(),
  data: listOf(v1PipelineSchema),
  additional_data: v1PageSchema,
});
