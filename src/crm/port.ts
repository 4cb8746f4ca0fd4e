// The CRM port: the domain types and operations the services rely on. Every adapter
// (local, pipedrive, productive, pipelinedeals) implements `CrmClient` and translates its
// CRM's shapes into these types; no CRM's field names leak past an adapter.
//
// Ids are strings everywhere (Productive's are strings, Pipedrive's integers are
// stringified) so the services never care which CRM they talk to.

import type { DateTime } from 'luxon';

export type CrmProvider = 'local' | 'pipedrive' | 'productive' | 'pipelinedeals';

export type DealStatus = 'open' | 'won' | 'lost';

/** An amount in an ISO 4217 currency. */
export interface Money {
  amount: number;
  currency: string;
}

/** A calendar date, `YYYY-MM-DD`. It has no zone: "closes on the 25th" is the 25th everywhere. */
export type IsoDate = string;

export interface Pipeline {
  id: string;
  name: string;
  /** Display order, ascending. */
  order: number;
  /** The pipeline quick-create puts deals in. Exactly one pipeline of a CRM is the default. */
  isDefault: boolean;
}

export interface Stage {
  id: string;
  pipelineId: string;
  name: string;
  /** Position in the pipeline, ascending. */
  order: number;
  /** The stage's default win probability in percent, if the CRM has one. */
  probability: number | null;
  /**
   * Set when entering the stage closes the deal: PipelineDeals' "Won" (100%) and "Lost" (0%)
   * stages, Productive's won and lost deal statuses. Such a stage is reached by marking the
   * deal won or lost, never offered as a move. Absent or null for ordinary stages.
   */
  closes?: 'won' | 'lost' | null;
}

export interface User {
  id: string;
  name: string;
  email: string | null;
  active: boolean;
}

/** A reference to an organization or a person attached to a deal. */
export interface PartyRef {
  id: string;
  name: string;
}

export interface Deal {
  id: string;
  title: string;
  value: Money | null;
  status: DealStatus;
  pipelineId: string;
  stageId: string;
  ownerId: string | null;
  organization: PartyRef | null;
  person: PartyRef | null;
  expectedCloseDate: IsoDate | null;
  /** Win probability in percent set on the deal itself (not the stage's default). */
  probability: number | null;
  lostReason: string | null;
  createdAt: DateTime;
  /**
   * When the CRM last changed the deal; null when the CRM does not say (real Productive
   * deals carry no `updated_at`; a Pipedrive v2 webhook's deal has `update_time: null`).
   * Whoever needs "last changed" falls back to `lastChangedAt(deal)`.
   */
  updatedAt: DateTime | null;
  stageChangedAt: DateTime | null;
  /** When the deal was won or lost; null while open. */
  closedAt: DateTime | null;
  /** Where a person opens the deal in the CRM's own UI. */
  url: string | null;
}

/** The best instant a deal is known to have changed at: its update time, else its close, stage change or creation. */
export function lastChangedAt(deal: Pick<Deal, 'updatedAt' | 'closedAt' | 'stageChangedAt' | 'createdAt'>): DateTime {
  return deal.updatedAt ?? deal.closedAt ?? deal.stageChangedAt ?? deal.createdAt;
}

/**
 * A search hit: what a CRM's search returns without a second request. Enough for a
 * compact row; services fetch the full `Deal` only when a single deal is wanted.
 */
export interface DealHit {
  id: string;
  title: string;
  value: Money | null;
  status: DealStatus;
  stageId: string | null;
  ownerId: string | null;
  organizationName: string | null;
  personName: string | null;
}

/** The deal fields a person can set; also the vocabulary validation errors are mapped to. */
export type DealField =
  | 'title'
  | 'value'
  | 'currency'
  | 'pipelineId'
  | 'stageId'
  | 'ownerId'
  | 'organizationId'
  | 'personId'
  | 'expectedCloseDate'
  | 'probability'
  | 'lostReason';

export interface NewDeal {
  title: string;
  value?: Money | null;
  /** Defaults to the default pipeline. */
  pipelineId?: string | null;
  /** Defaults to the first stage of the pipeline. */
  stageId?: string | null;
  ownerId?: string | null;
  organizationId?: string | null;
  personId?: string | null;
  expectedCloseDate?: IsoDate | null;
  probability?: number | null;
}

/** Fields to change on a deal; absent means unchanged, null means cleared. */
export type DealPatch = Partial<Omit<NewDeal, 'pipelineId' | 'stageId'>>;

/** Who asked for a change, for CRMs that keep their own history (the local CRM). */
export interface Actor {
  /** The CRM user id when the Slack user maps to one. */
  crmUserId?: string | null;
  /** A readable name ("Ada Lovelace"). */
  name: string;
}

export interface WriteOptions {
  actor?: Actor;
  /** Why the write is made, when it is not a change of its own: `undo` puts a change back (the audit trail says so). */
  reason?: 'undo';
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Null on the last page. */
  nextCursor: string | null;
}

export interface DealQuery {
  pipelineId?: string;
  stageId?: string;
  /** Defaults to every status. */
  status?: DealStatus[];
  ownerId?: string;
  /** Only deals changed at or after this instant. */
  updatedSince?: DateTime;
  cursor?: string | null;
  /** Page size; adapters use the CRM's largest page when absent. */
  limit?: number;
}

export interface SearchOptions {
  limit?: number;
  status?: DealStatus[];
}

export interface SearchResult {
  hits: DealHit[];
  /** Whether the CRM has more matches than were returned. */
  more: boolean;
}

/** One entry of a deal's history, newest first when listed. */
export type DealChange =
  | { kind: 'created'; at: DateTime; actor: string | null }
  | {
      kind: 'stage';
      at: DateTime;
      actor: string | null;
      fromStageId: string | null;
      toStageId: string;
      /** The CRM's own stage names, when it gives them: shown for a stage the stage list no longer has. */
      fromLabel?: string | null;
      toLabel?: string | null;
    }
  | {
      kind: 'status';
      at: DateTime;
      actor: string | null;
      from: DealStatus | null;
      to: DealStatus;
      lostReason: string | null;
    }
  | {
      kind: 'field';
      at: DateTime;
      actor: string | null;
      field: DealField;
      from: string | null;
      to: string | null;
      /**
       * How the CRM itself names `from` and `to` when it says (Pipedrive's flow carries an owner's
       * or stage's formatted name): shown when the renderer's own lists do not know the id.
       */
      fromLabel?: string | null;
      toLabel?: string | null;
    }
  | { kind: 'note'; at: DateTime; actor: string | null; text: string }
  | {
      kind: 'activity';
      at: DateTime;
      actor: string | null;
      subject: string;
      done: boolean;
      /**
       * Set for an all-day activity (no time of day): the calendar day it is on, the same day for
       * every reader whatever their zone. `at` then only orders the entry.
       */
      allDayDate?: IsoDate | null;
    };

export interface CrmCapabilities {
  /** The CRM keeps a history of deal changes the bot can read. */
  dealHistory: boolean;
  /**
   * Who keeps that history. `crm` (or absent): the CRM's own log, complete. `dealbot`: the CRM
   * keeps none, so the history is Dealbot's journal of the changes it made or saw through
   * this client (`journaled-crm.ts`); changes made in the CRM's own UI are missing, and
   * people are told so.
   */
  historySource?: 'crm' | 'dealbot';
  /** The CRM can search deals by words server-side. */
  search: boolean;
  /** Lost deals can carry a free-text reason. */
  lostReason: boolean;
  /** Notes can be attached to deals. */
  notes: boolean;
}

/** Options of the optional organization and person searches. */
export interface PartySearchOptions {
  /** At most this many; adapters cap it at what their CRM allows. */
  limit?: number;
}

export interface CrmClient {
  readonly provider: CrmProvider;
  /** How people call this CRM: "Pipedrive", "Dealbot CRM". */
  readonly displayName: string;
  readonly capabilities: CrmCapabilities;

  /** The account's default currency (ISO 4217). */
  defaultCurrency(): Promise<string>;

  listPipelines(): Promise<Pipeline[]>;
  /** Stages of one pipeline, or of all pipelines, in order. */
  listStages(pipelineId?: string): Promise<Stage[]>;
  listUsers(): Promise<User[]>;

  // The contract below is what every adapter agrees on; test/crm/port-suite/ holds each of
  // them to it. `CrmNotFoundError` (entity 'deal') always means the deal itself is unknown,
  // for reads and writes alike, including an id the CRM could never have issued. A refused
  // value is a `CrmValidationError` naming the `DealField` it concerns (a blank title is
  // 'title'), and the deal is left as it was.

  /** Throws `CrmNotFoundError` for an unknown id. */
  getDeal(id: string): Promise<Deal>;
  /** `more` says the CRM has matches beyond `hits`; a term nothing matches is `{ hits: [], more: false }`. */
  searchDeals(term: string, options?: SearchOptions): Promise<SearchResult>;
  /**
   * One page. Passing each `nextCursor` back visits every matching deal once, and the last
   * page says `nextCursor: null`: when the deals filled the page before it exactly, that
   * last page may be empty, but there is never a cursor after an empty page.
   */
  listDeals(query: DealQuery): Promise<Page<Deal>>;

  /** Never retried by the adapter: a create that may have happened is not sent twice. */
  createDeal(input: NewDeal, options?: WriteOptions): Promise<Deal>;
  updateDeal(id: string, patch: DealPatch, options?: WriteOptions): Promise<Deal>;
  /**
   * Moves the deal; `stageId` may be in another pipeline. A stage the CRM does not have is a
   * `CrmValidationError` on 'stageId' (a bad value of the move, as a modal's stage field
   * would show it), never `CrmNotFoundError`; the deal stays where it was.
   */
  moveDeal(id: string, stageId: string, options?: WriteOptions): Promise<Deal>;
  /**
   * Won, with a close time and no lost reason. Marking a won deal won succeeds and changes
   * nothing (same stage, same close time): a double click is not an error. A lost deal goes
   * straight to won; services that would rather refuse check the status first
   * (`DealStateConflictError`).
   */
  markWon(id: string, options?: WriteOptions): Promise<Deal>;
  /**
   * Lost, with a close time and `reason` (null or blank for none). The reason is optional
   * unless the CRM demands one (a Productive lost stage with `lost_reason_enabled`): then no
   * reason, or one that is not among the CRM's lost reasons, is a `CrmValidationError` on
   * 'lostReason' listing them, and the deal stays open. A lost deal marked lost again stays
   * lost and takes the new reason.
   */
  markLost(id: string, reason: string | null, options?: WriteOptions): Promise<Deal>;
  /**
   * Open, with no close time and no lost reason. Reopening an open deal succeeds and changes
   * nothing (same stage, same probability).
   */
  reopenDeal(id: string, options?: WriteOptions): Promise<Deal>;

  /**
   * Newest first. Throws `CrmUnsupportedError` when `capabilities.dealHistory` is false,
   * without asking the CRM anything.
   */
  getDealHistory(id: string, cursor?: string | null): Promise<Page<DealChange>>;

  // Optional operations: an adapter has them when its CRM can do them; callers check for
  // the method (a missing one is `CrmUnsupportedError` to the person).

  /**
   * Attaches a plain-text note to the deal (the adapter converts it to what the CRM keeps,
   * e.g. HTML). Never retried: a note that may have been saved is not sent twice.
   */
  addNote?(dealId: string, text: string, options?: WriteOptions): Promise<unknown>;
  /** Organizations whose name matches `term`, best match first. */
  searchOrganizations?(term: string, options?: PartySearchOptions): Promise<PartyRef[]>;
  /** Persons whose name matches `term`, best match first. */
  searchPersons?(term: string, options?: PartySearchOptions): Promise<PartyRef[]>;
  /**
   * The CRM user the client's credential belongs to, asked of the CRM itself (never cached):
   * how `/deal connect` checks a person's own token before keeping it. A refused credential
   * is `CrmUnauthorizedError`.
   */
  whoAmI?(): Promise<User>;
}
