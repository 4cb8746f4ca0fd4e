// Reads the body of a Pipedrive webhook, version 2.0, into the port's terms: which event it is
// (`meta.id`, for deduplication), what happened (`meta.action`: create, change, delete), to
// which deal, when, by whom, and the deal before and after. The deal objects are read by the
// same schema and mapping as the API's v2 deals (`dealSchema`, `toDeal`): a webhook's `data` is
// a v2 deal, with `update_time: null` on the recorded create (PipedreamHQ's test event).
//
// `previous` holds the fields a change changed, as they were (for a delete, the whole last
// state): the deal before a change is `data` with `previous` laid over it.

import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Deal } from '../port.js';
import { toDeal } from './pipedrive-mapping.js';
import { dealSchema, optionalId } from './schemas.js';

export interface PipedriveWebhookEvent {
  /** `meta.id`: the same for every delivery attempt of one event. */
  eventId: string;
  action: 'create' | 'change' | 'delete';
  /** `meta.timestamp`, when readable. */
  at: DateTime | null;
  /** `meta.user_id`: who made the change. */
  crmUserId: string | null;
  /** The deal after the change; null for a delete. */
  deal: Deal | null;
  /** The deal before it; null for a create. */
  before: Deal | null;
}

export type PipedriveWebhookReading =
  | { kind: 'deal'; event: PipedriveWebhookEvent }
  /** A well-formed v2 event Dealbot has no use for (another entity); answered 200 and dropped. */
  | { kind: 'ignored'; eventId: string; reason: string }
  /** Not a v2 webhook body, or a deal Dealbot cannot read. */
  | { kind: 'invalid'; reason: string };

const envelopeSchema = z.object({
  meta: z.object({
    id: z.union([z.string().min(1), z.number()]).transform(String),
    action: z.string(),
    entity: z.string(),
    version: z.string().nullish(),
    timestamp: z.union([z.string(), z.number()]).nullish(),
    user_id: optionalId,
    host: z.string().nullish(),
  }),
  data: z.record(z.string(), z.unknown()).nullish(),
  previous: z.record(z.string(), z.unknown()).nullish(),
});

const ACTIONS = new Set(['create', 'change', 'delete']);

/** `meta.timestamp`: an RFC 3339 string in the recorded bodies, "10 character timestamp" in Pipedrive's guide. */
function readTimestamp(value: string | number | null | undefined): DateTime | null {
  if (value === null || value === undefined || value === '') return null;
  const numeric = typeof value === 'number' ? value : /^\d+(\.\d+)?$/.test(value) ? Number(value) : null;
  const time =
    numeric !== null
      ? DateTime.fromMillis(numeric < 1e12 ? numeric * 1000 : numeric, { zone: 'utc' })
      : DateTime.fromISO(value as string, { zone: 'utc' });
  return time.isValid ? time : null;
}

/** `meta.host` is `{company}.pipedrive.com`: the company domain deal links are made with. */
function companyDomainOf(host: string | null | undefined): string | null {
  const match = host ? /^([a-z0-9-]+)\.pipedrive\.com$/i.exec(host) : null;
  return match ? match[1]! : null;
}

function readDeal(raw: Record<string, unknown>, domain: string | null): Deal | null {
  const parsed = dealSchema.safeParse(raw);
  return parsed.success ? toDeal(parsed.data, { organizations: new Map(), persons: new Map() }, domain) : null;
}

export function readPipedriveWebhook(body: unknown): PipedriveWebhookReading {
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) return { kind: 'invalid', reason: 'not a Pipedrive webhook v2 body (meta, data, previous)' };
  const { meta, data, previous } = envelope.data;
  if (meta.version && meta.version !== '2.0') return { kind: 'invalid', reason: `webhook version ${meta.version}, not 2.0` };
  if (meta.entity !== 'deal') return { kind: 'ignored', eventId: meta.id, reason: `entity ${meta.entity}` };
  if (!ACTIONS.has(meta.action)) return { kind: 'ignored', eventId: meta.id, reason: `action ${meta.action}` };
  const action = meta.action as PipedriveWebhookEvent['action'];
  const domain = companyDomainOf(meta.host);

  const deal = action === 'delete' || !data ? null : readDeal(data, domain);
  const before =
    action === 'create' || !previous ? null : readDeal(action === 'delete' ? previous : { ...(data ?? {}), ...previous }, domain);
  if (action !== 'delete' && !deal) return { kind: 'invalid', reason: `a ${action} event whose deal cannot be read` };
  if (action === 'delete' && !before) return { kind: 'invalid', reason: 'a delete event whose last state cannot be read' };
  return {
    kind: 'deal',
    event: { eventId: meta.id, action, at: readTimestamp(meta.timestamp), crmUserId: meta.user_id, deal, before },
  };
}
