// A loopback fake of the Pipedrive API, for the benchmark and the fault-injection suite:
// a real node:http server speaking the endpoints the adapter uses (v2 deals, search,
// stages, pipelines, one organization, one person; v1 users, users/me, a deal's flow) with
// synthetic but schema-valid data (shaped like test/fixtures/pipedrive/*.json), cursor
// paging that honours `limit` (max 500), writes that change state, an optional fixed
// latency, and a ledger of every request that reached it, with the tokens Pipedrive would
// charge (the `x-token-cost` of each operation in Pipedrive's own OpenAPI specs).
//
// Faults are injected per path: `failNext('/api/v2/deals/{id}', { kind: 'rate-limit' })`.
//
//   const pd = await startFakePipedrive({ deals: 10_000, latencyMs: 200, seed: 7 });
//   const crm = createPipedriveClient({ apiToken: pd.apiToken, baseUrl: pd.url });
//   ...
//   pd.ledger.count('POST /api/v2/deals');   // requests that reached "Pipedrive"
//   await pd.ledger.summary();               // per endpoint: requests and tokens

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

// ------------------------------------------------------------------------------------ types

export type FakeDealStatus = 'open' | 'won' | 'lost';

/** A deal as the fake keeps it (compact: 100,000 of them must fit in a test process). */
export interface FakeDeal {
  id: number;
  title: string;
  ownerId: number;
  personId: number | null;
  orgId: number | null;
  pipelineId: number;
  stageId: number;
  value: number;
  currency: string;
  status: FakeDealStatus;
  probability: number | null;
  lostReason: string | null;
  /** Epoch ms. */
  addTime: number;
  updateTime: number;
  stageChangeTime: number | null;
  closeTime: number | null;
  wonTime: number | null;
  lostTime: number | null;
  expectedCloseDate: string | null;
}

export interface FakeStage {
  id: number;
  pipelineId: number;
  name: string;
  orderNr: number;
  probability: number;
}

export interface FakePipeline {
  id: number;
  name: string;
  orderNr: number;
}

export interface FakeUser {
  id: number;
  name: string;
  email: string;
}

/** What goes wrong instead of (or, with `afterWrite`, after) the normal answer. */
export type PipedriveFault = (
  | { kind: 'rate-limit'; retryAfterSeconds?: number }
  | { kind: 'server-error'; status?: number }
  /** The TCP connection is reset before any answer. */
  | { kind: 'reset' }
  /** The request is read and never answered. */
  | { kind: 'timeout' }
  /** Headers at once, then the real body a few bytes at a time. */
  | { kind: 'slow-body'; chunkBytes?: number; intervalMs?: number }
  /** HTTP 200 with the real body cut in half. */
  | { kind: 'malformed-json' }
  /** HTTP 200 with valid JSON that breaks the schema: ids null, titles and names gone. */
  | { kind: 'schema-break' }
) & {
  /** Only requests with this method (default: any). */
  method?: string;
  /** How many matching requests fail in a row (default 1). */
  times?: number;
  /** Apply the request (a write really happens) and then fail to answer it properly. */
  afterWrite?: boolean;
};

export interface LedgerEntry {
  method: string;
  /** The path as requested, without the query. */
  path: string;
  /** `METHOD /template`, e.g. `GET /api/v2/deals/{id}`; `METHOD ?` for an unknown route. */
  endpoint: string;
  /** Epoch ms when the request arrived. */
  at: number;
  /** The HTTP status answered; null while pending, or when the connection was reset or left hanging. */
  status: number | null;
  /** The fault injected into this request, if any. */
  fault: PipedriveFault['kind'] | null;
}

export interface EndpointTally {
  endpoint: string;
  requests: number;
  /** `requests × x-token-cost`; null when the spec names no cost for the endpoint. */
  tokens: number | null;
}

export interface PipedriveLedger {
  readonly entries: readonly LedgerEntry[];
  /**
   * Requests to `endpoint` (`GET /api/v2/deals/{id}`), to endpoints matching a RegExp, or all.
   * Every request that reached the server counts, faulted ones included: each is an attempt.
   */
  count(endpoint?: string | RegExp): number;
  /** Requests and tokens per endpoint, most tokens first. Reads the specs on first use. */
  summary(): Promise<EndpointTally[]>;
  /** Every token spent so far (endpoints without a known cost count 0). */
  tokens(): Promise<number>;
  reset(): void;
}

export interface FakePipedriveOptions {
  /** How many deals the account holds at start. */
  deals: number;
  /** Added before every answer. Default 0. */
  latencyMs?: number;
  /** Seeds the synthetic data; the same seed gives the same account. Default 1. */
  seed?: number;
  /** The `x-api-token` accepted (default `fake-pipedrive-token`); any other gets 401. */
  apiToken?: string;
  /** Where openapi-v1.yaml and openapi-v2.yaml live (default `test/contract/specs/pipedrive`, vendored). */
  specDir?: string;
  /** "Now" for the synthetic dates (epoch ms). Default: the real clock at start. */
  now?: number;
}

export interface FakePipedrive {
  /** The adapter's `baseUrl`: `http://127.0.0.1:PORT` (v2 under `/api/v2`, v1 under `/v1`). */
  readonly url: string;
  readonly apiToken: string;
  readonly ledger: PipedriveLedger;
  readonly pipelines: readonly FakePipeline[];
  readonly stages: readonly FakeStage[];
  readonly users: readonly FakeUser[];
  /** The next matching request fails with `fault`. A string is a path or an endpoint template. */
  failNext(path: string | RegExp, fault: PipedriveFault): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  deal(id: number): FakeDeal | undefined;
  /** The first `limit` deals (by id) for which `predicate` holds. */
  findDeals(predicate: (deal: FakeDeal) => boolean, limit?: number): FakeDeal[];
  dealCount(): number;
  /** Requests received and not yet answered (hanging ones included). */
  inFlight(): number;
  close(): Promise<void>;
}

// ------------------------------------------------------------------------------ constants

export const FAKE_PIPEDRIVE_TOKEN = 'fake-pipedrive-token';
export const PIPEDRIVE_PAGE_MAX = 500;
const DAY = 86_400_000;

const PIPELINES: FakePipeline[] = [
  { id: 1, name: 'Sales', orderNr: 1 },
  { id: 2, name: 'Partnerships', orderNr: 2 },
];

const STAGES: FakeStage[] = [
  { id: 1, pipelineId: 1, name: 'Qualified', orderNr: 1, probability: 10 },
  { id: 2, pipelineId: 1, name: 'Contact made', orderNr: 2, probability: 20 },
  { id: 3, pipelineId: 1, name: 'Proposal', orderNr: 3, probability: 50 },
  { id: 4, pipelineId: 1, name: 'Negotiation', orderNr: 4, probability: 75 },
  { id: 5, pipelineId: 1, name: 'Closing', orderNr: 5, probability: 90 },
  { id: 6, pipelineId: 2, name: 'Intro', orderNr: 1, probability: 10 },
  { id: 7, pipelineId: 2, name: 'Pilot', orderNr: 2, probability: 40 },
  { id: 8, pipelineId: 2, name: 'Contract', orderNr: 3, probability: 80 },
];

/** Ada's email is the console's and the stand-in's default person, so actions map to a CRM user. */
const USERS: FakeUser[] = [
  { id: 1, name: 'Ada Lovelace', email: 'ada@example.com' },
  { id: 2, name: 'Grace Hopper', email: 'grace@example.com' },
  { id: 3, name: 'Alan Turing', email: 'alan@example.com' },
  { id: 4, name: 'Katherine Johnson', email: 'katherine@example.com' },
  { id: 5, name: 'Edsger Dijkstra', email: 'edsger@example.com' },
];

const COMPANY_WORDS = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Stark',
  'Wayne',
  'Wonka',
  'Tyrell',
  'Cyberdyne',
  'Soylent',
  'Vandelay',
  'Aperture',
  'Oscorp',
  'Gringotts',
  'Duff',
  'Nakatomi',
  'Prestige',
  'Dunder',
  'Sterling',
];
const COMPANY_SUFFIXES = ['Ltd', 'GmbH', 'Inc', 'AB', 'SA', 'Oy', 'BV', 'plc', 'AG', 'SRL'];
const PRODUCTS = ['renewal', 'expansion', 'pilot', 'rollout', 'licences', 'support', 'upgrade', 'migration'];
const FIRST_NAMES = ['Jane', 'John', 'Maria', 'Omar', 'Li', 'Priya', 'Lars', 'Chloé', 'Kenji', 'Amara'];
const LAST_NAMES = ['Doe', 'Smith', 'García', 'Haddad', 'Wei', 'Patel', 'Nilsson', 'Martin', 'Sato', 'Okafor'];
const LOST_REASONS = ['No budget', 'Went with a competitor', 'No decision', 'Timing'];
const CURRENCIES = ['EUR', 'EUR', 'EUR', 'EUR', 'EUR', 'EUR', 'EUR', 'USD', 'USD', 'GBP'];
const ORGANIZATIONS = 200;
const PERSONS = 400;

/** Fields every Pipedrive deal carries that the adapter does not read; they keep the payload's size honest. */
const DEAL_EXTRAS = {
  creator_user_id: 1,
  archive_time: null,
  is_archived: false,
  visible_to: 7,
  label_ids: [] as number[],
  origin: 'ManuallyCreated',
  origin_id: null,
  channel: null,
  channel_id: null,
  source_lead_id: null,
  acv: null,
  arr: null,
  mrr: null,
  custom_fields: {},
};

// ------------------------------------------------------------------------- token costs

const DEFAULT_SPEC_DIR = fileURLToPath(new URL('../../test/contract/specs/pipedrive/', import.meta.url));
const costCache = new Map<string, Promise<Map<string, number>>>();

/**
 * `METHOD /api/v2/...` and `METHOD /v1/...` → tokens, from the specs' `x-token-cost`. Parsed
 * with the installed `yaml` package when it loads; otherwise a line scan of `paths:`.
 */
export function loadPipedriveTokenCosts(specDir: string = DEFAULT_SPEC_DIR): Promise<Map<string, number>> {
  let cached = costCache.get(specDir);
  if (!cached) {
    cached = (async () => {
      const costs = new Map<string, number>();
      for (const [file, prefix] of [
        ['openapi-v2.yaml', '/api/v2'],
        ['openapi-v1.yaml', '/v1'],
      ] as const) {
        const text = readFileSync(`${specDir.replace(/\/+$/, '')}/${file}`, 'utf8');
        for (const [key, cost] of await costsOfSpec(text)) costs.set(`${key.split(' ')[0]} ${prefix}${key.split(' ')[1]}`, cost);
      }
      return costs;
    })();
    costCache.set(specDir, cached);
  }
  return cached;
}

const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

async function costsOfSpec(text: string): Promise<Map<string, number>> {
  try {
    // A variable specifier: `yaml` is installed (as a dependency of the tooling), not declared.
    const specifier = 'yaml';
    const yaml = (await import(specifier)) as { parse?: (src: string) => unknown; default?: { parse: (src: string) => unknown } };
    const parse = yaml.parse ?? yaml.default?.parse;
    if (parse) return costsOfDocument(parse(text));
  } catch {
    // No parser: fall back to the line scan below.
  }
  return scanCosts(text);
}

function costsOfDocument(doc: unknown): Map<string, number> {
  const costs = new Map<string, number>();
  const paths = (doc as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item ?? {})) {
      const cost = (operation as { 'x-token-cost'?: unknown } | null)?.['x-token-cost'];
      if (HTTP_METHODS.has(method) && typeof cost === 'number') costs.set(`${method.toUpperCase()} ${path}`, cost);
    }
  }
  return costs;
}

/** `paths:` → `  /deals:` → `    get:` → `      x-token-cost: 10`, by indentation. */
function scanCosts(text: string): Map<string, number> {
  const costs = new Map<string, number>();
  let inPaths = false;
  let path: string | null = null;
  let method: string | null = null;
  for (const line of text.split('\n')) {
    if (/^\S/.test(line)) {
      inPaths = line.startsWith('paths:');
      path = null;
      method = null;
      continue;
    }
    if (!inPaths) continue;
    const pathMatch = /^ {2}(['"]?)(\/[^'":]*)\1:\s*$/.exec(line);
    if (pathMatch?.[2]) {
      path = pathMatch[2];
      method = null;
      continue;
    }
    const methodMatch = /^ {4}(get|post|put|patch|delete):\s*$/.exec(line);
    if (methodMatch?.[1]) {
      method = methodMatch[1].toUpperCase();
      continue;
    }
    const costMatch = /^ {6}x-token-cost:\s*(\d+)\s*$/.exec(line);
    if (costMatch?.[1] && path && method) costs.set(`${method} ${path}`, Number(costMatch[1]));
  }
  return costs;
}

// ---------------------------------------------------------------------------- synthetic data

/** mulberry32: small, fast, and the same sequence for the same seed. */
function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

function organizationName(id: number): string {
  const word = COMPANY_WORDS[(id - 1) % COMPANY_WORDS.length]!;
  const suffix = COMPANY_SUFFIXES[Math.floor((id - 1) / COMPANY_WORDS.length) % COMPANY_SUFFIXES.length]!;
  return `${word} ${suffix}`;
}

function personName(id: number): string {
  const first = FIRST_NAMES[(id - 1) % FIRST_NAMES.length]!;
  const last = LAST_NAMES[Math.floor((id - 1) / FIRST_NAMES.length) % LAST_NAMES.length]!;
  return `${first} ${last}`;
}

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** v2 times: RFC 3339 without milliseconds, as Pipedrive sends them. */
const v2Time = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
/** v1 times: `YYYY-MM-DD HH:MM:SS` in UTC. */
const v1Time = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

function generateDeals(count: number, random: () => number, now: number): FakeDeal[] {
  const deals: FakeDeal[] = new Array<FakeDeal>(count);
  for (let i = 0; i < count; i += 1) {
    const id = i + 1;
    const pipelineId = random() < 0.8 ? 1 : 2;
    const stages = STAGES.filter((s) => s.pipelineId === pipelineId);
    const stage = pick(random, stages);
    const roll = random();
    const status: FakeDealStatus = roll < 0.7 ? 'open' : roll < 0.85 ? 'won' : 'lost';
    const orgId = random() < 0.6 ? 1 + Math.floor(random() * ORGANIZATIONS) : null;
    const personId = random() < 0.5 ? 1 + Math.floor(random() * PERSONS) : null;
    const who = orgId ? organizationName(orgId).split(' ')[0]! : personId ? personName(personId) : pick(random, COMPANY_WORDS);
    const addTime = now - Math.floor(random() * 720 * DAY);
    // Most deals were touched recently; a tail has been left alone for months.
    const updateTime = Math.min(now, addTime + Math.floor(random() ** 2 * (now - addTime)));
    const closed = status !== 'open';
    deals[i] = {
      id,
      title: `${who} ${pick(random, PRODUCTS)} ${id}`,
      ownerId: 1 + Math.floor(random() * USERS.length),
      personId,
      orgId,
      pipelineId,
      stageId: stage.id,
      value: Math.round(1 + random() * 199) * 500,
      currency: pick(random, CURRENCIES),
      status,
      probability: random() < 0.3 ? Math.round(random() * 10) * 10 : null,
      lostReason: status === 'lost' ? pick(random, LOST_REASONS) : null,
      addTime,
      updateTime,
      stageChangeTime: random() < 0.7 ? addTime + Math.floor((updateTime - addTime) * random()) : null,
      closeTime: closed ? updateTime : null,
      wonTime: status === 'won' ? updateTime : null,
      lostTime: status === 'lost' ? updateTime : null,
      expectedCloseDate: random() < 0.85 ? isoDay(now + Math.floor((random() * 210 - 30) * DAY)) : null,
    };
  }
  return deals;
}

function dealJson(deal: FakeDeal): Record<string, unknown> {
  return {
    id: deal.id,
    title: deal.title,
    owner_id: deal.ownerId,
    value: deal.value,
    person_id: deal.personId,
    org_id: deal.orgId,
    stage_id: deal.stageId,
    pipeline_id: deal.pipelineId,
    currency: deal.currency,
    add_time: v2Time(deal.addTime),
    update_time: v2Time(deal.updateTime),
    stage_change_time: v2Time(deal.stageChangeTime),
    status: deal.status,
    is_deleted: false,
    probability: deal.probability,
    lost_reason: deal.lostReason,
    close_time: v2Time(deal.closeTime),
    won_time: v2Time(deal.wonTime),
    lost_time: v2Time(deal.lostTime),
    local_won_date: deal.wonTime === null ? null : isoDay(deal.wonTime),
    local_lost_date: deal.lostTime === null ? null : isoDay(deal.lostTime),
    local_close_date: deal.closeTime === null ? null : isoDay(deal.closeTime),
    expected_close_date: deal.expectedCloseDate,
    ...DEAL_EXTRAS,
  };
}

function stageJson(stage: FakeStage): Record<string, unknown> {
  return {
    id: stage.id,
    order_nr: stage.orderNr,
    name: stage.name,
    is_deleted: false,
    deal_probability: stage.probability,
    pipeline_id: stage.pipelineId,
    is_deal_rot_enabled: false,
    days_to_rotten: null,
    add_time: '2024-01-01T00:00:00Z',
    update_time: '2024-01-01T00:00:00Z',
  };
}

function pipelineJson(pipeline: FakePipeline): Record<string, unknown> {
  return {
    id: pipeline.id,
    name: pipeline.name,
    order_nr: pipeline.orderNr,
    is_deleted: false,
    is_deal_probability_enabled: true,
    add_time: '2024-01-01T00:00:00Z',
    update_time: '2024-01-01T00:00:00Z',
  };
}

function userJson(user: FakeUser): Record<string, unknown> {
  return {
    id: user.id,
    name: user.name,
    default_currency: 'EUR',
    locale: 'en_US',
    lang: 1,
    email: user.email,
    phone: null,
    activated: true,
    last_login: '2026-01-05 08:45:56',
    created: '2024-01-01 09:16:26',
    modified: '2026-01-05 08:45:56',
    has_created_company: user.id === 1,
    active_flag: true,
    timezone_name: 'Europe/Berlin',
    timezone_offset: '+01:00',
    role_id: 1,
    icon_url: null,
    is_you: user.id === 1,
    is_deleted: false,
  };
}

// ------------------------------------------------------------------------------------- flow

interface FlowItem {
  object: 'dealChange' | 'note' | 'activity';
  at: number;
  data: Record<string, unknown>;
}

/** A deal's history as Pipedrive would have logged it, newest first: synthetic past plus real writes. */
function syntheticFlow(deal: FakeDeal, seed: number): FlowItem[] {
  const random = createRandom(seed ^ (deal.id * 2654435761));
  const items: FlowItem[] = [];
  let changeId = deal.id * 100;
  const change = (at: number, field: string, from: unknown, to: unknown, userId = deal.ownerId): FlowItem => ({
    object: 'dealChange',
    at,
    data: {
      id: (changeId += 1),
      item_id: deal.id,
      user_id: userId,
      field_key: field,
      old_value: from,
      new_value: to,
      is_bulk_update_flag: null,
      log_time: v1Time(at),
      change_source: 'app',
      additional_data: [],
    },
  });
  items.push(change(deal.addTime, 'add_time', null, v1Time(deal.addTime)));
  const own = STAGES.filter((s) => s.pipelineId === deal.pipelineId);
  const span = Math.max(1, deal.updateTime - deal.addTime);
  let previous = own[0]!.id;
  for (const stage of own.slice(1)) {
    if (stage.orderNr > (STAGES.find((s) => s.id === deal.stageId)?.orderNr ?? 1)) break;
    const at = deal.addTime + Math.floor(span * (stage.orderNr / (own.length + 1)));
    items.push(change(at, 'stage_id', previous, stage.id));
    previous = stage.id;
  }
  if (random() < 0.5) {
    const at = deal.addTime + Math.floor(span * random());
    items.push(change(at, 'value', Math.round(deal.value * 0.8), deal.value));
  }
  items.push({
    object: 'note',
    at: deal.addTime + Math.floor(span * 0.3),
    data: {
      id: deal.id * 10 + 1,
      active_flag: true,
      add_time: v1Time(deal.addTime + Math.floor(span * 0.3)),
      content: '<p>Call went well &amp; they want a <b>demo</b></p>',
      deal_id: deal.id,
      user_id: deal.ownerId,
      user: { email: USERS[deal.ownerId - 1]?.email ?? null, is_you: deal.ownerId === 1, name: USERS[deal.ownerId - 1]?.name ?? 'Someone' },
    },
  });
  items.push({
    object: 'activity',
    at: deal.addTime + Math.floor(span * 0.5),
    data: {
      id: deal.id * 10 + 2,
      company_id: 22122,
      user_id: deal.ownerId,
      done: true,
      type: 'call',
      subject: 'Demo call',
      due_date: isoDay(deal.addTime + Math.floor(span * 0.5)),
      due_time: '09:00',
      deal_id: deal.id,
      owner_name: USERS[deal.ownerId - 1]?.name ?? 'Someone',
    },
  });
  if (deal.status !== 'open' && deal.closeTime !== null) {
    items.push(change(deal.closeTime, 'status', 'open', deal.status));
    if (deal.status === 'lost') items.push(change(deal.closeTime, 'lost_reason', null, deal.lostReason));
  }
  return items;
}

// --------------------------------------------------------------------------------- routing

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
}

const ROUTES: Route[] = [
  ['GET', '/api/v2/deals'],
  ['POST', '/api/v2/deals'],
  ['GET', '/api/v2/deals/search'],
  ['GET', '/api/v2/deals/{id}'],
  ['PATCH', '/api/v2/deals/{id}'],
  ['GET', '/api/v2/stages'],
  ['GET', '/api/v2/pipelines'],
  ['GET', '/api/v2/organizations/{id}'],
  ['GET', '/api/v2/persons/{id}'],
  ['GET', '/v1/users'],
  ['GET', '/v1/users/me'],
  ['GET', '/v1/deals/{id}/flow'],
].map(([method, template]) => ({
  method: method!,
  template: template!,
  pattern: new RegExp(`^${template!.replace(/\{id\}/g, '([^/]+)')}$`),
}));

function routeOf(method: string, path: string): { route: Route | null; id: string | null } {
  for (const route of ROUTES) {
    const match = route.method === method ? route.pattern.exec(path) : null;
    if (match) return { route, id: match[1] ?? null };
  }
  return { route: null, id: null };
}

/** The template of a path, whatever its method, so faults can be named by template. */
function templateOf(path: string): string | null {
  return ROUTES.find((r) => r.pattern.test(path))?.template ?? null;
}

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

const pipedriveError = (status: number, error: string, extra: Record<string, unknown> = {}): HttpAnswer =>
  new HttpAnswer(status, {
    success: false,
    error,
    error_info: 'Please check developers.pipedrive.com for more information about Pipedrive API.',
    data: null,
    additional_data: null,
    ...extra,
  });

const encodeCursor = (lastId: number): string => Buffer.from(JSON.stringify({ field: 'id', id: lastId })).toString('base64url');
function decodeCursor(cursor: string | null): number | null {
  if (!cursor) return null;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { id?: unknown };
    return typeof parsed.id === 'number' ? parsed.id : null;
  } catch {
    return null;
  }
}

function limitOf(params: URLSearchParams, fallback: number): number | HttpAnswer {
  const raw = params.get('limit');
  if (raw === null) return fallback;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > PIPEDRIVE_PAGE_MAX) {
    return pipedriveError(400, `Parameter 'limit' must be an integer between 1 and ${PIPEDRIVE_PAGE_MAX}.`);
  }
  return limit;
}

/** Schema-breaking copy of an answer: ids become null, titles and names vanish. */
function breakSchema(body: unknown): unknown {
  const breakItem = (item: unknown): unknown => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) return item;
    const { title: _title, name: _name, ...rest } = item as Record<string, unknown>;
    return { ...rest, id: null, pipeline_id: null, stage_id: 'first' };
  };
  if (!body || typeof body !== 'object') return { success: true, data: 'unexpected' };
  const record = body as Record<string, unknown>;
  const data = record.data;
  if (Array.isArray(data)) return { ...record, data: data.map(breakItem) };
  if (data && typeof data === 'object' && Array.isArray((data as { items?: unknown }).items)) {
    const items = (data as { items: Array<{ item?: unknown }> }).items;
    return { ...record, data: { items: items.map((e) => ({ result_score: 1, item: breakItem(e.item) })) } };
  }
  return { ...record, data: breakItem(data) ?? 'unexpected' };
}

// ----------------------------------------------------------------------------------- server

interface PendingFault {
  path: string | RegExp;
  fault: PipedriveFault;
  remaining: number;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakePipedrive(options: FakePipedriveOptions): Promise<FakePipedrive> {
  const seed = options.seed ?? 1;
  const apiToken = options.apiToken ?? FAKE_PIPEDRIVE_TOKEN;
  const specDir = options.specDir ?? DEFAULT_SPEC_DIR;
  const now = options.now ?? Date.now();
  let latencyMs = options.latencyMs ?? 0;

  const random = createRandom(seed);
  /** Sorted by id; new deals are appended with the next id, so binary search stays valid. */
  const deals = generateDeals(Math.max(0, Math.floor(options.deals)), random, now);
  const flowWrites = new Map<number, FlowItem[]>();
  /** Deals up to this id have a synthetic past; later ones only what was written to them here. */
  const seededUpTo = deals.length;
  let nextDealId = deals.length + 1;
  let nextChangeId = 10_000_000;

  const entries: LedgerEntry[] = [];
  const faults: PendingFault[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let inFlight = 0;

  const indexOfId = (id: number): number => {
    let lo = 0;
    let hi = deals.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = deals[mid]!.id;
      if (at === id) return mid;
      if (at < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  };
  const dealById = (id: number): FakeDeal | undefined => {
    const index = indexOfId(id);
    return index < 0 ? undefined : deals[index];
  };
  /** First index whose id is greater than `id`. */
  const indexAfter = (id: number | null): number => {
    if (id === null) return 0;
    let lo = 0;
    let hi = deals.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (deals[mid]!.id <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const takeFault = (method: string, path: string): PipedriveFault | null => {
    const template = templateOf(path);
    const index = faults.findIndex((f) => {
      if (f.fault.method && f.fault.method.toUpperCase() !== method) return false;
      return typeof f.path === 'string' ? f.path === path || f.path === template : f.path.test(path);
    });
    if (index < 0) return null;
    const pending = faults[index]!;
    pending.remaining -= 1;
    if (pending.remaining <= 0) faults.splice(index, 1);
    return pending.fault;
  };

  const logChange = (deal: FakeDeal, field: string, from: unknown, to: unknown, at: number): void => {
    const list = flowWrites.get(deal.id) ?? [];
    list.push({
      object: 'dealChange',
      at,
      data: {
        id: (nextChangeId += 1),
        item_id: deal.id,
        user_id: 1,
        field_key: field,
        old_value: from ?? null,
        new_value: to ?? null,
        is_bulk_update_flag: null,
        log_time: v1Time(at),
        change_source: 'api',
        additional_data: [],
      },
    });
    flowWrites.set(deal.id, list);
  };

  // ---- endpoints

  function listDeals(params: URLSearchParams): HttpAnswer {
    const limit = limitOf(params, 100);
    if (limit instanceof HttpAnswer) return limit;
    const pipelineId = params.has('pipeline_id') ? Number(params.get('pipeline_id')) : null;
    const stageId = params.has('stage_id') ? Number(params.get('stage_id')) : null;
    const ownerId = params.has('owner_id') ? Number(params.get('owner_id')) : null;
    const status = params.get('status');
    const since = params.has('updated_since') ? Date.parse(params.get('updated_since') ?? '') : null;
    if (since !== null && Number.isNaN(since)) return pipedriveError(400, "Parameter 'updated_since' must be a RFC 3339 date-time.");
    if (status && !['open', 'won', 'lost', 'deleted'].includes(status)) return pipedriveError(400, `Unknown status '${status}'.`);
    const page: Record<string, unknown>[] = [];
    let last: number | null = null;
    let more = false;
    for (let i = indexAfter(decodeCursor(params.get('cursor'))); i < deals.length; i += 1) {
      const deal = deals[i]!;
      if (pipelineId !== null && deal.pipelineId !== pipelineId) continue;
      if (stageId !== null && deal.stageId !== stageId) continue;
      if (ownerId !== null && deal.ownerId !== ownerId) continue;
      if (status && deal.status !== status) continue;
      if (since !== null && deal.updateTime < since) continue;
      if (page.length === limit) {
        more = true;
        break;
      }
      page.push(dealJson(deal));
      last = deal.id;
    }
    return new HttpAnswer(200, {
      success: true,
      data: page,
      additional_data: { next_cursor: more && last !== null ? encodeCursor(last) : null },
    });
  }

  function searchDeals(params: URLSearchParams): HttpAnswer {
    const term = (params.get('term') ?? '').trim().toLowerCase();
    if (term.length < 2) return pipedriveError(400, "Parameter 'term' must be at least 2 characters long.");
    const limit = limitOf(params, 100);
    if (limit instanceof HttpAnswer) return limit;
    const status = params.get('status');
    const items: unknown[] = [];
    let last: number | null = null;
    let more = false;
    for (let i = indexAfter(decodeCursor(params.get('cursor'))); i < deals.length; i += 1) {
      const deal = deals[i]!;
      if (status && deal.status !== status) continue;
      if (!deal.title.toLowerCase().includes(term)) continue;
      if (items.length === limit) {
        more = true;
        break;
      }
      const stage = STAGES.find((s) => s.id === deal.stageId);
      items.push({
        result_score: deal.title.toLowerCase() === term ? 1 : 0.5,
        item: {
          id: deal.id,
          type: 'deal',
          title: deal.title,
          value: deal.value,
          currency: deal.currency,
          status: deal.status,
          visible_to: 3,
          owner: { id: deal.ownerId },
          stage: stage ? { id: stage.id, name: stage.name } : null,
          person: deal.personId ? { id: deal.personId, name: personName(deal.personId) } : null,
          organization: deal.orgId ? { id: deal.orgId, name: organizationName(deal.orgId), address: null } : null,
          custom_fields: [],
          notes: [],
          is_archived: false,
        },
      });
      last = deal.id;
    }
    return new HttpAnswer(200, {
      success: true,
      data: { items },
      additional_data: { next_cursor: more && last !== null ? encodeCursor(last) : null },
    });
  }

  function cursorList<T>(all: T[], params: URLSearchParams, toJson: (item: T) => unknown): HttpAnswer {
    const limit = limitOf(params, 100);
    if (limit instanceof HttpAnswer) return limit;
    const start = decodeCursor(params.get('cursor')) ?? 0;
    const page = all.slice(start, start + limit);
    const next = start + limit < all.length ? encodeCursor(start + limit) : null;
    return new HttpAnswer(200, { success: true, data: page.map(toJson), additional_data: { next_cursor: next } });
  }

  function parseJsonBody(raw: string): Record<string, unknown> | HttpAnswer {
    try {
      const parsed = JSON.parse(raw || '{}') as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // answered below
    }
    return pipedriveError(400, 'The request body is not a JSON object.');
  }

  function checkPlacement(pipelineId: unknown, stageId: unknown): { pipelineId: number; stageId: number } | HttpAnswer {
    const pipeline = pipelineId === undefined ? PIPELINES[0]! : PIPELINES.find((p) => p.id === pipelineId);
    if (!pipeline) return pipedriveError(404, `Pipeline ${String(pipelineId)} not found.`);
    if (stageId === undefined) return { pipelineId: pipeline.id, stageId: STAGES.find((s) => s.pipelineId === pipeline.id)!.id };
    const stage = STAGES.find((s) => s.id === stageId);
    if (!stage) return pipedriveError(404, `Stage ${String(stageId)} not found.`);
    if (pipelineId !== undefined && stage.pipelineId !== pipeline.id) {
      return pipedriveError(400, `Stage ${stage.id} is not in pipeline ${pipeline.id}.`);
    }
    return { pipelineId: stage.pipelineId, stageId: stage.id };
  }

  function createDeal(raw: string): HttpAnswer {
    const body = parseJsonBody(raw);
    if (body instanceof HttpAnswer) return body;
    if (typeof body.title !== 'string' || body.title.trim() === '') return pipedriveError(400, 'Title is required.');
    if (body.value !== undefined && typeof body.value !== 'number') return pipedriveError(400, "Parameter 'value' must be a number.");
    const placement = checkPlacement(body.pipeline_id, body.stage_id);
    if (placement instanceof HttpAnswer) return placement;
    const at = Date.now();
    const deal: FakeDeal = {
      id: nextDealId++,
      title: body.title,
      ownerId: typeof body.owner_id === 'number' ? body.owner_id : 1,
      personId: typeof body.person_id === 'number' ? body.person_id : null,
      orgId: typeof body.org_id === 'number' ? body.org_id : null,
      pipelineId: placement.pipelineId,
      stageId: placement.stageId,
      value: typeof body.value === 'number' ? body.value : 0,
      currency: typeof body.currency === 'string' ? body.currency : 'EUR',
      status: 'open',
      probability: typeof body.probability === 'number' ? body.probability : null,
      lostReason: null,
      addTime: at,
      updateTime: at,
      stageChangeTime: null,
      closeTime: null,
      wonTime: null,
      lostTime: null,
      expectedCloseDate: typeof body.expected_close_date === 'string' ? body.expected_close_date : null,
    };
    deals.push(deal);
    logChange(deal, 'add_time', null, v1Time(at), at);
    return new HttpAnswer(200, { success: true, data: dealJson(deal) });
  }

  function patchDeal(id: string, raw: string): HttpAnswer {
    const deal = dealById(Number(id));
    if (!deal) return pipedriveError(404, 'Entity was not found');
    const body = parseJsonBody(raw);
    if (body instanceof HttpAnswer) return body;
    const at = Date.now();
    const set = <K extends keyof FakeDeal>(key: K, field: string, value: FakeDeal[K]): void => {
      if (deal[key] === value) return;
      logChange(deal, field, deal[key], value, at);
      deal[key] = value;
    };
    if (body.stage_id !== undefined || body.pipeline_id !== undefined) {
      // Moving to a stage of another pipeline without naming the pipeline follows the stage.
      const stagePipeline = body.stage_id === undefined ? undefined : STAGES.find((s) => s.id === body.stage_id)?.pipelineId;
      const placement = checkPlacement(body.pipeline_id ?? stagePipeline, body.stage_id);
      if (placement instanceof HttpAnswer) return placement;
      if (placement.stageId !== deal.stageId) deal.stageChangeTime = at;
      set('pipelineId', 'pipeline_id', placement.pipelineId);
      set('stageId', 'stage_id', placement.stageId);
    }
    if (typeof body.title === 'string') set('title', 'title', body.title);
    if (typeof body.value === 'number') set('value', 'value', body.value);
    if (typeof body.currency === 'string') set('currency', 'currency', body.currency);
    if (body.owner_id !== undefined) set('ownerId', 'user_id', typeof body.owner_id === 'number' ? body.owner_id : 1);
    if (body.org_id !== undefined) set('orgId', 'org_id', typeof body.org_id === 'number' ? body.org_id : null);
    if (body.person_id !== undefined) set('personId', 'person_id', typeof body.person_id === 'number' ? body.person_id : null);
    if (body.expected_close_date !== undefined) {
      set('expectedCloseDate', 'expected_close_date', typeof body.expected_close_date === 'string' ? body.expected_close_date : null);
    }
    if (body.probability !== undefined) set('probability', 'probability', typeof body.probability === 'number' ? body.probability : null);
    if (body.status !== undefined) {
      if (body.status !== 'open' && body.status !== 'won' && body.status !== 'lost') {
        return pipedriveError(400, `Unknown status '${String(body.status)}'.`);
      }
      if (body.status !== deal.status) {
        set('status', 'status', body.status);
        deal.closeTime = body.status === 'open' ? null : at;
        deal.wonTime = body.status === 'won' ? at : null;
        deal.lostTime = body.status === 'lost' ? at : null;
        if (body.status !== 'lost') deal.lostReason = null;
      }
    }
    if (typeof body.lost_reason === 'string' && deal.status === 'lost') set('lostReason', 'lost_reason', body.lost_reason);
    deal.updateTime = at;
    return new HttpAnswer(200, { success: true, data: dealJson(deal) });
  }

  function flow(id: string, params: URLSearchParams): HttpAnswer {
    const deal = dealById(Number(id));
    if (!deal) return pipedriveError(404, 'Deal not found');
    const start = Math.max(0, Number(params.get('start') ?? 0) || 0);
    const limit = Math.min(PIPEDRIVE_PAGE_MAX, Math.max(1, Number(params.get('limit') ?? 100) || 100));
    const past = deal.id <= seededUpTo ? syntheticFlow(deal, seed) : [];
    const all = [...past, ...(flowWrites.get(deal.id) ?? [])].sort((a, b) => b.at - a.at);
    const page = all.slice(start, start + limit);
    const more = start + limit < all.length;
    const userIds = new Set(page.map((item) => item.data.user_id).filter((u): u is number => typeof u === 'number'));
    return new HttpAnswer(200, {
      success: true,
      data: page.map((item) => ({ object: item.object, timestamp: v1Time(item.at), data: item.data })),
      additional_data: { pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + limit } : {}) } },
      related_objects: {
        user: Object.fromEntries(
          USERS.filter((u) => userIds.has(u.id)).map((u) => [
            String(u.id),
            { id: u.id, name: u.name, email: u.email, has_pic: 0, pic_hash: null, active_flag: true },
          ]),
        ),
        deal: {
          [String(deal.id)]: {
            id: deal.id,
            title: deal.title,
            status: deal.status,
            value: deal.value,
            currency: deal.currency,
            stage_id: deal.stageId,
            pipeline_id: deal.pipelineId,
          },
        },
      },
    });
  }

  function party(kind: 'organizations' | 'persons', id: string): HttpAnswer {
    const n = Number(id);
    const count = kind === 'organizations' ? ORGANIZATIONS : PERSONS;
    if (!Number.isInteger(n) || n < 1 || n > count) return pipedriveError(404, 'Entity was not found');
    if (kind === 'organizations') {
      return new HttpAnswer(200, {
        success: true,
        data: {
          id: n,
          name: organizationName(n),
          owner_id: 1,
          add_time: '2024-01-01T00:00:00Z',
          update_time: '2024-01-01T00:00:00Z',
          is_deleted: false,
          visible_to: 7,
          label_ids: [],
          address: null,
          custom_fields: {},
        },
      });
    }
    const [first, last] = personName(n).split(' ');
    return new HttpAnswer(200, {
      success: true,
      data: {
        id: n,
        name: personName(n),
        first_name: first,
        last_name: last,
        owner_id: 1,
        org_id: null,
        add_time: '2024-01-01T00:00:00Z',
        update_time: '2024-01-01T00:00:00Z',
        emails: [{ value: `${(first ?? 'x').toLowerCase()}@example.com`, primary: true, label: 'work' }],
        phones: [],
        is_deleted: false,
        visible_to: 7,
        label_ids: [],
        custom_fields: {},
      },
    });
  }

  function answer(route: Route, id: string | null, params: URLSearchParams, raw: string): HttpAnswer {
    switch (`${route.method} ${route.template}`) {
      case 'GET /api/v2/deals':
        return listDeals(params);
      case 'POST /api/v2/deals':
        return createDeal(raw);
      case 'GET /api/v2/deals/search':
        return searchDeals(params);
      case 'GET /api/v2/deals/{id}': {
        const deal = dealById(Number(id));
        return deal ? new HttpAnswer(200, { success: true, data: dealJson(deal) }) : pipedriveError(404, 'Entity was not found');
      }
      case 'PATCH /api/v2/deals/{id}':
        return patchDeal(id ?? '', raw);
      case 'GET /api/v2/stages': {
        const pipelineId = params.has('pipeline_id') ? Number(params.get('pipeline_id')) : null;
        return cursorList(
          STAGES.filter((s) => pipelineId === null || s.pipelineId === pipelineId),
          params,
          stageJson,
        );
      }
      case 'GET /api/v2/pipelines':
        return cursorList(PIPELINES, params, pipelineJson);
      case 'GET /api/v2/organizations/{id}':
        return party('organizations', id ?? '');
      case 'GET /api/v2/persons/{id}':
        return party('persons', id ?? '');
      case 'GET /v1/users':
        return new HttpAnswer(200, { success: true, data: USERS.map(userJson) });
      case 'GET /v1/users/me':
        return new HttpAnswer(200, {
          success: true,
          data: {
            ...userJson(USERS[0]!),
            company_id: 54235233,
            company_name: 'Fake Pipedrive',
            company_domain: 'fake-co',
            company_country: 'DE',
          },
        });
      case 'GET /v1/deals/{id}/flow':
        return flow(id ?? '', params);
      default:
        return pipedriveError(404, 'Unknown route');
    }
  }

  // ---- delivery

  const send = (res: ServerResponse, entry: LedgerEntry, result: HttpAnswer): void => {
    const text = JSON.stringify(result.body);
    entry.status = result.status;
    res.writeHead(result.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      ...result.headers,
    });
    res.end(text);
  };

  /** Answers with `fault` instead of `real` (the answer the request would have had, when it was computed). */
  const deliverFault = (
    req: IncomingMessage,
    res: ServerResponse,
    entry: LedgerEntry,
    fault: PipedriveFault,
    real: HttpAnswer | null,
  ): void => {
    switch (fault.kind) {
      case 'rate-limit': {
        const limited = pipedriveError(429, 'Request over limit', { errorCode: 429 });
        send(res, entry, new HttpAnswer(429, limited.body, { 'retry-after': String(fault.retryAfterSeconds ?? 1) }));
        return;
      }
      case 'server-error':
        send(res, entry, pipedriveError(fault.status ?? 500, 'Internal server error'));
        return;
      case 'reset': {
        entry.status = null;
        const socket = req.socket as Socket & { resetAndDestroy?: () => void };
        if (socket.resetAndDestroy) socket.resetAndDestroy();
        else socket.destroy();
        return;
      }
      case 'timeout':
        // Never answered; the client's timeout ends it, or close() does.
        entry.status = null;
        return;
      case 'slow-body': {
        const text = Buffer.from(JSON.stringify((real ?? pipedriveError(500, 'Internal server error')).body));
        const chunk = Math.max(1, fault.chunkBytes ?? 8);
        entry.status = real?.status ?? 500;
        res.writeHead(entry.status, { 'content-type': 'application/json; charset=utf-8' });
        res.flushHeaders();
        let offset = 0;
        const timer = setInterval(
          () => {
            if (res.destroyed || offset >= text.length) {
              clearInterval(timer);
              timers.delete(timer);
              if (!res.destroyed) res.end();
              return;
            }
            res.write(text.subarray(offset, offset + chunk));
            offset += chunk;
          },
          Math.max(1, fault.intervalMs ?? 100),
        );
        timers.add(timer);
        return;
      }
      case 'malformed-json': {
        const text = JSON.stringify((real ?? new HttpAnswer(200, { success: true, data: null })).body);
        entry.status = 200;
        const cut = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(cut)) });
        res.end(cut);
        return;
      }
      case 'schema-break':
        send(res, entry, new HttpAnswer(200, breakSchema(real?.body)));
        return;
    }
  };

  const server: Server = createServer((req, res) => {
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
    });
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const { route, id } = routeOf(method, url.pathname);
    const entry: LedgerEntry = {
      method,
      path: url.pathname,
      endpoint: `${method} ${route?.template ?? '?'}`,
      at: Date.now(),
      status: null,
      fault: null,
    };
    entries.push(entry);
    void (async () => {
      const raw = await readBody(req);
      const fault = takeFault(method, url.pathname);
      entry.fault = fault?.kind ?? null;
      if (latencyMs > 0) await delay(latencyMs);
      if (res.destroyed) return;
      if (req.headers['x-api-token'] !== apiToken) {
        send(res, entry, new HttpAnswer(401, { success: false, error: 'unauthorized access', errorCode: 401 }));
        return;
      }
      if (fault && !fault.afterWrite && fault.kind !== 'slow-body' && fault.kind !== 'malformed-json' && fault.kind !== 'schema-break') {
        deliverFault(req, res, entry, fault, null);
        return;
      }
      const result = route ? answer(route, id, url.searchParams, raw) : pipedriveError(404, 'Unknown route');
      if (fault) deliverFault(req, res, entry, fault, result);
      else send(res, entry, result);
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, entry, pipedriveError(500, `fake failure: ${String(error)}`));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const matches = (entry: LedgerEntry, endpoint: string | RegExp | undefined): boolean =>
    endpoint === undefined ? true : typeof endpoint === 'string' ? entry.endpoint === endpoint : endpoint.test(entry.endpoint);

  const ledger: PipedriveLedger = {
    entries,
    count: (endpoint) => entries.filter((e) => matches(e, endpoint)).length,
    async summary() {
      const costs = await loadPipedriveTokenCosts(specDir);
      const byEndpoint = new Map<string, number>();
      for (const e of entries) byEndpoint.set(e.endpoint, (byEndpoint.get(e.endpoint) ?? 0) + 1);
      return [...byEndpoint]
        .map(([endpoint, requests]) => {
          const cost = costs.get(endpoint);
          return { endpoint, requests, tokens: cost === undefined ? null : cost * requests };
        })
        .sort((a, b) => (b.tokens ?? 0) - (a.tokens ?? 0) || b.requests - a.requests);
    },
    async tokens() {
      return (await ledger.summary()).reduce((sum, t) => sum + (t.tokens ?? 0), 0);
    },
    reset() {
      entries.length = 0;
    },
  };

  return {
    url: `http://127.0.0.1:${port}`,
    apiToken,
    ledger,
    pipelines: PIPELINES,
    stages: STAGES,
    users: USERS,
    failNext(path, fault) {
      faults.push({ path, fault, remaining: Math.max(1, Math.floor(fault.times ?? 1)) });
    },
    clearFaults() {
      faults.length = 0;
    },
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    deal: dealById,
    findDeals(predicate, limit = Number.POSITIVE_INFINITY) {
      const found: FakeDeal[] = [];
      for (const deal of deals) {
        if (found.length >= limit) break;
        if (predicate(deal)) found.push(deal);
      }
      return found;
    },
    dealCount: () => deals.length,
    inFlight: () => inFlight,
    close() {
      for (const timer of timers) clearInterval(timer);
      timers.clear();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
    },
  };
}
