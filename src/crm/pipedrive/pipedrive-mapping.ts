// Translation between Pipedrive's shapes and the port's domain types, both ways: parsed
// Pipedrive objects become `Deal`, `Stage`, `DealChange`…, and `NewDeal` / `DealPatch`
// become request bodies. No Pipedrive field name leaves the adapter through here.

import type { Deal, DealChange, DealField, DealHit, DealPatch, DealStatus, NewDeal, PartyRef, Pipeline, Stage, User } from '../port.js';
import { CrmNotFoundError, CrmValidationError } from '../../errors.js';
import type { FlowEntry, PipedriveDeal, PipedrivePipeline, PipedriveSearchItem, PipedriveStage, PipedriveUser, V1Page } from './schemas.js';

export const PIPEDRIVE = 'Pipedrive';

/** Pipedrive's largest page, for v2 cursor lists and v1 offset lists alike. */
export const PAGE_SIZE = 500;
/** A server that keeps handing out pages is not followed forever. */
export const MAX_PAGES = 100;
/** Pipedrive refuses shorter search terms; asking would spend a search's tokens on an error. */
export const SEARCH_MIN_TERM = 2;

/** The page size to ask for: what the caller wants, within 1..PAGE_SIZE; the largest page by default. */
export function pageLimit(wanted: number | undefined): number {
  return Math.min(Math.max(1, Math.floor(wanted ?? PAGE_SIZE)), PAGE_SIZE);
}

/** Names of the organizations and persons a set of deals refers to, by id. */
export interface PartyNames {
  organizations: ReadonlyMap<string, string>;
  persons: ReadonlyMap<string, string>;
}

export function toDealStatus(value: string | null | undefined): DealStatus {
  return value === 'won' || value === 'lost' ? value : 'open';
}

export function dealUrl(companyDomain: string | null, id: string): string | null {
  return companyDomain ? `https://${companyDomain}.pipedrive.com/deal/${encodeURIComponent(id)}` : null;
}

/** Where the next page of a v1 offset list starts, or null on the last page (or when a server would not move on). */
export function nextStartOf(start: number, received: number, page: V1Page): number | null {
  if (!page.more) return null;
  const next = page.nextStart ?? start + received;
  return next > start ? next : null;
}

/** A v1 cursor this adapter handed out is a `next_start`; anything else starts over. */
export function startFromCursor(cursor: string | null | undefined): number {
  return cursor && /^\d+$/.test(cursor) ? Number(cursor) : 0;
}

/** A deal id from the port; an id Pipedrive could never have issued is simply an unknown deal. */
export function pipedriveDealId(id: string): number {
  if (!/^[1-9]\d{0,15}$/.test(id)) throw new CrmNotFoundError('deal', id, { crm: PIPEDRIVE });
  return Number(id);
}

const ALL_STATUSES: readonly DealStatus[] = ['open', 'won', 'lost'];

/**
 * Pipedrive takes one status per request (`param`); several are filtered by the adapter
 * instead. `keep` tells which deals were asked for either way.
 */
export function dealStatusFilter(statuses: DealStatus[] | undefined): {
  param?: DealStatus;
  keep: (status: DealStatus) => boolean;
} {
  const wanted = new Set(statuses?.length ? statuses : ALL_STATUSES);
  const keep = (status: DealStatus) => wanted.has(status);
  return wanted.size === 1 ? { param: [...wanted][0]!, keep } : { keep };
}

function partyRef(id: string | null, names: ReadonlyMap<string, string>): PartyRef | null {
  // A name we could not look up still shows which record it is.
  return id === null ? null : { id, name: names.get(id) ?? `#${id}` };
}

function isoDate(value: string | null): string | null {
  const match = value === null ? null : /^\d{4}-\d{2}-\d{2}/.exec(value);
  return match ? match[0] : null;
}

export function toDeal(raw: PipedriveDeal, parties: PartyNames, companyDomain: string | null): Deal {
  const status = toDealStatus(raw.status);
  const closedAt = status === 'won' ? (raw.won_time ?? raw.close_time) : status === 'lost' ? (raw.lost_time ?? raw.close_time) : null;
  return {
    id: raw.id,
    title: raw.title,
    value: raw.value !== null && raw.currency ? { amount: raw.value, currency: raw.currency } : null,
    status,
    pipelineId: raw.pipeline_id,
    stageId: raw.stage_id,
    ownerId: raw.owner_id,
    organization: partyRef(raw.org_id, parties.organizations),
    person: partyRef(raw.person_id, parties.persons),
    expectedCloseDate: isoDate(raw.expected_close_date),
    probability: raw.probability,
    lostReason: status === 'lost' ? raw.lost_reason : null,
    createdAt: raw.add_time,
    updatedAt: raw.update_time,
    stageChangedAt: raw.stage_change_time,
    closedAt,
    url: dealUrl(companyDomain, raw.id),
  };
}

/** Pipedrive's deleted deals stay readable for 30 days; for Dealbot they are gone. */
export function isDeletedDeal(raw: PipedriveDeal): boolean {
  return raw.is_deleted === true || raw.status === 'deleted';
}

export function toDealHit(item: PipedriveSearchItem): DealHit {
  return {
    id: item.id,
    title: item.title,
    value: item.value !== null && item.currency ? { amount: item.value, currency: item.currency } : null,
    status: toDealStatus(item.status),
    stageId: item.stage?.id ?? null,
    ownerId: item.owner?.id ?? null,
    organizationName: item.organization?.name ?? null,
    personName: item.person?.name ?? null,
  };
}

function byNumericId(a: string, b: string): number {
  return Number(a) - Number(b) || a.localeCompare(b);
}

/** Ordered by `order_nr`; the first is the default pipeline, as Pipedrive defines it. */
export function toPipelines(raw: PipedrivePipeline[]): Pipeline[] {
  return raw
    .filter((p) => p.is_deleted !== true)
    .sort((a, b) => (a.order_nr ?? Infinity) - (b.order_nr ?? Infinity) || byNumericId(a.id, b.id))
    .map((p, index) => ({ id: p.id, name: p.name, order: p.order_nr ?? index, isDefault: index === 0 }));
}

export function toStages(raw: PipedriveStage[]): Stage[] {
  return raw
    .filter((s) => s.is_deleted !== true)
    .sort(
      (a, b) => byNumericId(a.pipeline_id, b.pipeline_id) || (a.order_nr ?? Infinity) - (b.order_nr ?? Infinity) || byNumericId(a.id, b.id),
    )
    .map((s) => ({
      id: s.id,
      pipelineId: s.pipeline_id,
      name: s.name,
      order: s.order_nr ?? 0,
      probability: s.deal_probability,
    }));
}

export function toUser(raw: PipedriveUser): User {
  return { id: raw.id, name: raw.name, email: raw.email, active: raw.active_flag !== false && raw.is_deleted !== true };
}

// ------------------------------------------------------------------------------ history

/** dealChange `field_key`s that are deal fields on the port. v1 calls the owner `user_id`. */
const FIELD_KEYS: Record<string, DealField> = {
  title: 'title',
  value: 'value',
  currency: 'currency',
  pipeline_id: 'pipelineId',
  user_id: 'ownerId',
  owner_id: 'ownerId',
  org_id: 'organizationId',
  person_id: 'personId',
  expected_close_date: 'expectedCloseDate',
  probability: 'probability',
  lost_reason: 'lostReason',
};

function statusOrNull(value: string | null): DealStatus | null {
  return value === 'open' || value === 'won' || value === 'lost' ? value : null;
}

/** Notes are HTML in Pipedrive; a timeline shows their text. */
export function noteText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6])>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * The calendar day of an all-day activity: Pipedrive leaves `due_time` empty and stamps the
 * flow entry at midnight UTC of `due_date`, which a reader west of UTC would see as the day
 * before. Null for an activity with a time of day.
 */
export function allDayDate(dueDate: string | null, dueTime: string | null): string | null {
  if (dueTime !== null && dueTime.trim() !== '') return null;
  return dueDate !== null && /^\d{4}-\d{2}-\d{2}$/.test(dueDate.trim()) ? dueDate.trim() : null;
}

/** The CRM's names of a change's values, as optional keys: present only when Pipedrive gave one. */
function labels(named: { from: string | null; to: string | null }): { fromLabel?: string; toLabel?: string } {
  return { ...(named.from === null ? {} : { fromLabel: named.from }), ...(named.to === null ? {} : { toLabel: named.to }) };
}

/**
 * A flow page as the port's history, newest first as Pipedrive lists it. A status change
 * to lost and the lost_reason change logged with it become one entry.
 */
export function toDealChanges(entries: FlowEntry[], users: ReadonlyMap<string, string>): DealChange[] {
  const actor = (userId: string | null): string | null => (userId === null ? null : (users.get(userId) ?? null));
  const lostReasonAt = new Map<number, string | null>();
  for (const entry of entries) {
    if (entry.object === 'dealChange' && entry.data.field_key === 'lost_reason') {
      lostReasonAt.set(entry.at.toMillis(), entry.data.new_value);
    }
  }
  const mergedReasons = new Set<number>();
  for (const entry of entries) {
    if (entry.object === 'dealChange' && entry.data.field_key === 'status' && entry.data.new_value === 'lost') {
      if (lostReasonAt.has(entry.at.toMillis())) mergedReasons.add(entry.at.toMillis());
    }
  }

  const changes: DealChange[] = [];
  for (const entry of entries) {
    const at = entry.at;
    switch (entry.object) {
      case 'dealChange': {
        const { field_key: key, old_value: from, new_value: to, user_id: userId } = entry.data;
        const who = actor(userId);
        if (key === 'add_time') {
          changes.push({ kind: 'created', at, actor: who });
        } else if (key === 'stage_id') {
          if (to !== null) {
            changes.push({ kind: 'stage', at, actor: who, fromStageId: from, toStageId: to, ...labels(entry.data.additional_data) });
          }
        } else if (key === 'status') {
          const toStatus = statusOrNull(to);
          if (toStatus === null) break; // deleted and restored deals are not status changes a person reads
          const lostReason = toStatus === 'lost' ? (lostReasonAt.get(at.toMillis()) ?? null) : null;
          changes.push({ kind: 'status', at, actor: who, from: statusOrNull(from), to: toStatus, lostReason });
        } else if (key === 'lost_reason' && mergedReasons.has(at.toMillis())) {
          break;
        } else {
          const field = FIELD_KEYS[key];
          if (!field) break;
          // Pipedrive names the values it can (an owner's formatted name); the page's users
          // name an owner it does not. Either beats "user #9392643" for an owner since gone.
          const label = (value: string | null, formatted: string | null): string | null =>
            formatted ?? (field === 'ownerId' && value !== null ? (users.get(value) ?? null) : null);
          changes.push({
            kind: 'field',
            at,
            actor: who,
            field,
            from,
            to,
            ...labels({ from: label(from, entry.data.additional_data.from), to: label(to, entry.data.additional_data.to) }),
          });
        }
        break;
      }
      case 'note':
        changes.push({
          kind: 'note',
          at,
          actor: entry.data.user?.name ?? actor(entry.data.user_id),
          text: noteText(entry.data.content ?? ''),
        });
        break;
      case 'activity': {
        const day = allDayDate(entry.data.due_date, entry.data.due_time);
        changes.push({
          kind: 'activity',
          at,
          actor: actor(entry.data.user_id) ?? entry.data.owner_name,
          subject: entry.data.subject ?? entry.data.type ?? 'Activity',
          done: entry.data.done,
          ...(day === null ? {} : { allDayDate: day }),
        });
        break;
      }
      case 'other':
        break;
    }
  }
  return changes;
}

// ------------------------------------------------------------------------------- writes

/** Pipedrive ids are positive integers; anything else is refused before a request is spent. */
export function pipedriveId(value: string, field: DealField | null, what = 'id'): number {
  if (!/^[1-9]\d{0,15}$/.test(value)) {
    throw new CrmValidationError(`"${value}" is not a Pipedrive ${what}`, field, { crm: PIPEDRIVE });
  }
  return Number(value);
}

/** The `POST /api/v2/deals` body. */
export function newDealBody(input: NewDeal): Record<string, unknown> {
  const body: Record<string, unknown> = { title: input.title };
  if (input.value) {
    body.value = input.value.amount;
    body.currency = input.value.currency;
  }
  if (input.pipelineId) body.pipeline_id = pipedriveId(input.pipelineId, 'pipelineId', 'pipeline id');
  if (input.stageId) body.stage_id = pipedriveId(input.stageId, 'stageId', 'stage id');
  if (input.ownerId) body.owner_id = pipedriveId(input.ownerId, 'ownerId', 'user id');
  if (input.organizationId) body.org_id = pipedriveId(input.organizationId, 'organizationId', 'organization id');
  if (input.personId) body.person_id = pipedriveId(input.personId, 'personId', 'person id');
  if (input.expectedCloseDate) body.expected_close_date = input.expectedCloseDate;
  if (input.probability !== null && input.probability !== undefined) body.probability = input.probability;
  return body;
}

/**
 * The `PATCH /api/v2/deals/{id}` body: absent stays unchanged, null clears. Pipedrive has
 * no "no value" (a deal is worth 0 by default), so clearing the value sends 0.
 */
export function dealPatchBody(patch: DealPatch): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (patch.title !== undefined) body.title = patch.title;
  if (patch.value === null) body.value = 0;
  else if (patch.value) {
    body.value = patch.value.amount;
    body.currency = patch.value.currency;
  }
  const ref = (value: string | null | undefined, field: DealField, key: string, what: string): void => {
    if (value === undefined) return;
    body[key] = value === null ? null : pipedriveId(value, field, what);
  };
  ref(patch.ownerId, 'ownerId', 'owner_id', 'user id');
  ref(patch.organizationId, 'organizationId', 'org_id', 'organization id');
  ref(patch.personId, 'personId', 'person_id', 'person id');
  if (patch.expectedCloseDate !== undefined) body.expected_close_date = patch.expectedCloseDate;
  if (patch.probability !== undefined) body.probability = patch.probability;
  return body;
}

/**
 * A plain-text note as the HTML Pipedrive keeps notes in: `&`, `<`, `>` and quotes
 * escaped (so a message's `<script>` stays text), line breaks as `<br>`, and http(s) links
 * made clickable.
 */
export function noteHtml(text: string): string {
  const escape = (part: string) =>
    part.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  // Links are found in the plain text, so an escaped `&quot;` never becomes part of a URL.
  const html = text
    .split(/(\bhttps?:\/\/[^\s<>"']+)/)
    .map((part, i) => (i % 2 === 1 ? `<a href="${escape(part)}">${escape(part)}</a>` : escape(part)))
    .join('');
  return html.replace(/\r?\n/g, '<br>');
}
