// One deal's timeline behind `/deal timeline` and the card's Timeline button: the deal and
// a page of its history, newest first, plus the summary line shown on top (age, time in the
// current stage, stage moves, days to the expected close).
//
// Pages are cut to what one Slack message shows (`TIMELINE_PAGE_SIZE` entries). A CRM page
// can hold more, so the cursor handed to "Show older" is our own: the CRM's cursor plus how
// many entries of that CRM page were already shown. It stays opaque to the listeners.
//
// A CRM without its own history may be journaled by Dealbot (`historySource: 'dealbot'`):
// those entries are only the changes Dealbot made, so nothing here treats them as complete.

import { DateTime } from 'luxon';
import type { CrmCapabilities, CrmClient, Deal, DealChange, DealStatus, Page } from '../crm/port.js';
import { CrmUnsupportedError } from '../errors.js';
import type { AuditEntry, AuditTrail } from './audit-trail.js';

/** Dealbot's own audit lines a timeline shows on its first page. */
export const AUDIT_IN_TIMELINE = 5;

/** Entries per message: two blocks each keeps a page well inside Slack's 50 blocks. */
export const TIMELINE_PAGE_SIZE = 20;

/** Who kept the history: the CRM (complete) or Dealbot's journal (only what Dealbot saw). */
export type HistorySource = NonNullable<CrmCapabilities['historySource']>;

export interface DealTimeline {
  deal: Deal;
  /** Newest first, at most `TIMELINE_PAGE_SIZE`. */
  changes: DealChange[];
  /** Pass back to load the older entries; null when there are none. */
  nextCursor: string | null;
  /** False when the CRM keeps no deal history; `changes` is then empty. */
  supported: boolean;
  /** This page starts at the newest entry. */
  isFirstPage: boolean;
  historySource: HistorySource;
  /**
   * Dealbot's journal only: the time of its oldest entry, when this page reaches it; the
   * timeline says "showing the changes Dealbot saw since …". Null otherwise.
   */
  journalSince: DateTime | null;
}

interface Position {
  /** The CRM's cursor of the page the entries come from; null for its first page. */
  crmCursor: string | null;
  /** Entries of that CRM page already shown. */
  skip: number;
}

/** `<skip>:<crm cursor>`. A bare CRM cursor (no prefix) is read as skip 0, so old buttons keep working. */
function encodePosition(position: Position): string {
  return `${position.skip}:${position.crmCursor ?? ''}`;
}

function decodePosition(cursor: string | null | undefined): Position {
  if (!cursor) return { crmCursor: null, skip: 0 };
  const match = /^(\d{1,6}):([\s\S]*)$/.exec(cursor);
  if (!match) return { crmCursor: cursor, skip: 0 };
  return { crmCursor: match[2] === '' ? null : (match[2] ?? null), skip: Number(match[1]) };
}

async function readHistory(crm: CrmClient, dealId: string, crmCursor: string | null): Promise<Page<DealChange> | null> {
  if (!crm.capabilities.dealHistory) return null;
  try {
    return await crm.getDealHistory(dealId, crmCursor);
  } catch (error) {
    // The capability flag can be coarser than the CRM (a plan without the history API).
    if (error instanceof CrmUnsupportedError) return null;
    throw error;
  }
}

/**
 * The deal and one page of its history, read at once. `deal` may be the deal just read
 * (a command resolved it by its title): it is not read again.
 */
export async function loadDealTimeline(
  crm: CrmClient,
  deal: Deal | string,
  cursor: string | null = null,
  options: { pageSize?: number } = {},
): Promise<DealTimeline> {
  const dealId = typeof deal === 'string' ? deal : deal.id;
  const pageSize = Math.max(1, Math.floor(options.pageSize ?? TIMELINE_PAGE_SIZE));
  const position = decodePosition(cursor);
  const isFirstPage = position.crmCursor === null && position.skip === 0;
  const historySource: HistorySource = crm.capabilities.historySource ?? 'crm';
  const [current, page] = await Promise.all([
    typeof deal === 'string' ? crm.getDeal(dealId) : Promise.resolve(deal),
    readHistory(crm, dealId, position.crmCursor),
  ]);
  if (!page) return { deal: current, changes: [], nextCursor: null, supported: false, isFirstPage, historySource, journalSince: null };

  const changes = page.items.slice(position.skip, position.skip + pageSize);
  const shown = position.skip + changes.length;
  let nextCursor: string | null = null;
  if (shown < page.items.length) nextCursor = encodePosition({ crmCursor: position.crmCursor, skip: shown });
  else if (page.nextCursor !== null) nextCursor = encodePosition({ crmCursor: page.nextCursor, skip: 0 });
  const journalSince = historySource === 'dealbot' && nextCursor === null ? (changes.at(-1)?.at ?? null) : null;
  return { deal: current, changes, nextCursor, supported: true, isFirstPage, historySource, journalSince };
}

export interface DealTimelineSummary {
  createdAt: DateTime;
  /** Whole days since the deal was created. */
  ageDays: number;
  /** When the deal entered its current stage, when that can be told. */
  stageSince: DateTime | null;
  daysInStage: number | null;
  /** Stage moves among the loaded entries. */
  stageMoves: number;
  /**
   * There may be more moves than counted: older or newer entries were not loaded, or the
   * history is Dealbot's journal, which misses moves made in the CRM itself.
   */
  stageMovesAtLeast: boolean;
  /** Calendar days from the viewer's today to the expected close; negative when overdue. Null without a date or once closed. */
  daysToClose: number | null;
  /** Set once the deal is won or lost. */
  closed: { status: Exclude<DealStatus, 'open'>; at: DateTime | null } | null;
}

const wholeDays = (from: DateTime, to: DateTime): number => Math.max(0, Math.floor(to.diff(from, 'days').days));

/**
 * How the entries were loaded; a `DealTimeline` is one, so callers pass the timeline itself.
 * Absent fields mean the first page of a complete CRM history.
 */
export interface SummarizeTimelineOptions {
  /** False on a page other than the first: the count then covers that page only and reads "at least". */
  isFirstPage?: boolean;
  /** False when no history could be read at all. */
  supported?: boolean;
  historySource?: HistorySource;
}

/**
 * The summary line's numbers. `now` must be in the viewer's zone: "days to close" counts the
 * viewer's calendar days.
 */
export function summarizeTimeline(
  deal: Deal,
  changes: DealChange[],
  now: DateTime,
  hasOlder: boolean,
  options: SummarizeTimelineOptions = {},
): DealTimelineSummary {
  const isFirstPage = options.isFirstPage ?? true;
  const fromCrm = (options.supported ?? true) && (options.historySource ?? 'crm') === 'crm';
  const moves = changes.filter((c): c is Extract<DealChange, { kind: 'stage' }> => c.kind === 'stage');
  // Newest first: on the first page the first stage change is the move into the current stage.
  const newestMove = isFirstPage ? moves.find((m) => m.toStageId === deal.stageId) : undefined;
  // "No move in the whole history, so in this stage since creation" holds only for a complete
  // history: the CRM's own, all of it loaded. No history says nothing, and Dealbot's journal
  // misses the moves made in the CRM itself.
  const wholeHistoryFromCrm = fromCrm && isFirstPage && !hasOlder;
  const stageSince = deal.stageChangedAt ?? newestMove?.at ?? (wholeHistoryFromCrm ? deal.createdAt : null);

  let daysToClose: number | null = null;
  if (deal.status === 'open' && deal.expectedCloseDate) {
    const day = DateTime.fromISO(deal.expectedCloseDate, { zone: now.zone });
    if (day.isValid) daysToClose = Math.round(day.startOf('day').diff(now.startOf('day'), 'days').days);
  }

  return {
    createdAt: deal.createdAt,
    ageDays: wholeDays(deal.createdAt, now),
    stageSince,
    daysInStage: stageSince ? wholeDays(stageSince, now) : null,
    stageMoves: moves.length,
    stageMovesAtLeast: hasOlder || !isFirstPage || !fromCrm,
    daysToClose,
    closed: deal.status === 'open' ? null : { status: deal.status, at: deal.closedAt },
  };
}

/** A page of a deal's timeline as a person reads it: names resolved, summary on the first page. */
export interface DealTimelinePage {
  deal: Deal;
  changes: DealChange[];
  stageNames: Map<string, string>;
  userNames: Map<string, string>;
  summary: DealTimelineSummary | null;
  historySource: HistorySource;
  journalSince: DateTime | null;
  viewerZone: string;
  now: DateTime;
  nextCursor: string | null;
  supported: boolean;
  olderPage: boolean;
  /** The deal's latest writes through Dealbot (first page only), who really made them: newest first. */
  audit: AuditEntry[];
}

/**
 * The use case behind `/deal timeline`, the card's Timeline button and "Show older". The
 * viewer's zone is asked for while the CRM is read (a Slack profile lookup need not wait
 * for it); `now` is then read in that zone.
 */
export async function readDealTimelinePage(
  crm: CrmClient,
  request: { deal: Deal | string; cursor: string | null; viewerZone: Promise<string>; now: () => DateTime; audit?: AuditTrail | null },
): Promise<DealTimelinePage> {
  const dealId = typeof request.deal === 'string' ? request.deal : request.deal.id;
  const [zone, timeline, stages, users, audit] = await Promise.all([
    request.viewerZone,
    loadDealTimeline(crm, request.deal, request.cursor),
    crm.listStages(),
    crm.listUsers(),
    // Only the first page shows who made Dealbot's changes; the trail is a store read, never the CRM's.
    request.audit && !request.cursor ? request.audit.forDeal(dealId, AUDIT_IN_TIMELINE) : Promise.resolve([]),
  ]);
  const now = request.now().setZone(zone);
  const hasOlder = timeline.nextCursor !== null;
  return {
    deal: timeline.deal,
    changes: timeline.changes,
    stageNames: new Map(stages.map((s) => [s.id, s.name])),
    userNames: new Map(users.map((u) => [u.id, u.name])),
    summary: timeline.isFirstPage ? summarizeTimeline(timeline.deal, timeline.changes, now, hasOlder, timeline) : null,
    historySource: timeline.historySource,
    journalSince: timeline.journalSince,
    viewerZone: zone,
    now,
    nextCursor: timeline.nextCursor,
    supported: timeline.supported,
    olderPage: !timeline.isFirstPage,
    audit,
  };
}
