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
  updatedAt: DateTime;
  stageChangedAt: DateTime | null;
  /** When the deal was won or lost; null while open. */
  closedAt: DateTime | null;
  /** Where a person opens the deal in the CRM's own UI. */
  url: string | null;
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
  | { kind: 'stage'; at: DateTime; actor: string | null; fromStageId: string | null; toStageId: string }
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
    }
  | { kind: 'note'; at: DateTime; actor: string | null; text: string }
  | { kind: 'activity'; at: DateTime; actor: string | null; subject: string; done: boolean };

export interface CrmCapabilities {
  /** The CRM keeps a history of deal changes the bot can read. */
  dealHistory: boolean;
  /** The CRM can search deals by words server-side. */
  search: boolean;
  /** Lost deals can carry a free-text reason. */
  lostReason: boolean;
  /** Notes can be attached to deals. */
  notes: boolean;
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

  /** Throws `CrmNotFoundError` for an unknown id. */
  getDeal(id: string): Promise<Deal>;
  searchDeals(term: string, options?: SearchOptions): Promise<SearchResult>;
  listDeals(query: DealQuery): Promise<Page<Deal>>;

  /** Never retried by the adapter: a create that may have happened is not sent twice. */
  createDeal(input: NewDeal, options?: WriteOptions): Promise<Deal>;
  updateDeal(id: string, patch: DealPatch, options?: WriteOptions): Promise<Deal>;
  /** Moves the deal; `stageId` may be in another pipeline. */
  moveDeal(id: string, stageId: string, options?: WriteOptions): Promise<Deal>;
  markWon(id: string, options?: WriteOptions): Promise<Deal>;
  markLost(id: string, reason: string | null, options?: WriteOptions): Promise<Deal>;
  reopenDeal(id: string, options?: WriteOptions): Promise<Deal>;

  /** Newest first. Throws `CrmUnsupportedError` when `capabilities.dealHistory` is false. */
  getDealHistory(id: string, cursor?: string | null): Promise<Page<DealChange>>;
}
