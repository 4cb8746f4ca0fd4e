// The one HTTP wrapper every remote CRM adapter goes through (in the spirit of
// octokit/request.js): JSON in and out, a timeout per attempt and a deadline for the whole
// call (retries included, so a person hears back in seconds), retries with exponential
// backoff and full jitter for idempotent methods only, and every failure turned into a
// typed `CrmError` carrying the status, a redacted request, the parsed body and the cause.
// Redirects are followed only within the CRM's origin: the credential never leaves it.
// Every successful body is parsed with the caller's zod schema before it is returned.

import type { ZodError, ZodType } from 'zod';
import {
  CrmBadResponseError,
  CrmConflictError,
  CrmError,
  CrmForbiddenError,
  CrmNotFoundError,
  CrmRateLimitedError,
  CrmSettingsError,
  CrmRedirectRefusedError,
  CrmUnauthorizedError,
  CrmUnavailableError,
  CrmValidationError,
  type CrmEntity,
  type RedactedRequest,
} from '../../errors.js';
import type { Logger } from '../../logger.js';
import { createRedactor } from './redact.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** What every `CrmError` constructor takes; handed to `mapError` so adapters build errors alike. */
export type CrmErrorInit = ConstructorParameters<typeof CrmUnauthorizedError>[0];

export interface HttpRequest<T> {
  method: HttpMethod;
  /** Appended to the client's `baseUrl`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON (or as `contentType` when given). */
  body?: unknown;
  /** Sent as `application/x-www-form-urlencoded`; wins over `body`. */
  form?: Record<string, string>;
  schema: ZodType<T>;
  contentType?: string;
  /**
   * What a 404 means for this request (the deal asked for is not there). Without it, a 404
   * means the address itself is wrong — a base URL or account id — not a missing record.
   */
  notFound?: { entity: CrmEntity; id: string };
}

export interface ErrorContext {
  status: number;
  /** The parsed JSON body (or the raw text), secrets already removed. */
  body: unknown;
  request: RedactedRequest;
  /** What a 404 means, when the request said; null when a 404 can only mean a wrong address. */
  notFound: { entity: CrmEntity; id: string } | null;
  /** Ready-made constructor options: crm, status, request, response. */
  init: CrmErrorInit;
}

export interface HttpClientOptions {
  /** The CRM's display name, used in error messages. */
  crm: string;
  baseUrl: string;
  headers?: Record<string, string>;
  /** Added to every request's query (e.g. PipelineDeals' `api_key`); always redacted on errors. */
  query?: Record<string, string>;
  /** Redacted from every URL, message and body stored on errors or logged. */
  secretValues?: string[];
  fetchFn?: typeof fetch;
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
  /**
   * The whole call, retries and their waits included: past it the call fails as a timeout
   * (`CrmUnavailableError`). Default `DEFAULT_CRM_DEADLINE_MS`.
   */
  deadlineMs?: number;
  /** Told of every HTTP attempt and its answer (metrics); must not throw. */
  onExchange?: (exchange: CrmExchange) => void;
  /** Retries after the first attempt, idempotent methods only. Default 3. */
  maxRetries?: number;
  /** A Retry-After longer than this fails at once instead of waiting. Default 30 s. */
  maxRetryWaitMs?: number;
  /** First backoff step before jitter. Default 500 ms. */
  retryBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); the jitter source. */
  random?: () => number;
  /** Epoch ms; used to read HTTP-date Retry-After values. */
  now?: () => number;
  /**
   * Turns a 4xx answer (other than 429) into the adapter's error, e.g. a validation
   * error naming the field. Returning undefined keeps the default mapping.
   */
  mapError?: (ctx: ErrorContext) => CrmError | undefined;
  logger?: Logger;
}

/**
 * The transport settings an adapter's own options accept and hand to its HTTP client as they
 * are (tests inject `fetchFn` and `sleep`; deployments tune timeouts and retries).
 */
export type HttpTransportOptions = Pick<
  HttpClientOptions,
  'fetchFn' | 'logger' | 'timeoutMs' | 'deadlineMs' | 'maxRetries' | 'sleep' | 'onExchange'
>;

/** Only the transport settings of an adapter's options; unset ones keep `createHttpClient`'s defaults. */
export function transportOptionsOf(options: HttpTransportOptions): HttpTransportOptions {
  const { fetchFn, logger, timeoutMs, deadlineMs, maxRetries, sleep, onExchange } = options;
  return { fetchFn, logger, timeoutMs, deadlineMs, maxRetries, sleep, onExchange };
}

/** One HTTP attempt as `onExchange` sees it. */
export interface CrmExchange {
  crm: string;
  method: HttpMethod;
  /** The URL's path with ids replaced by `:id` (`/api/v2/deals/:id`), so a metric label stays bounded. */
  endpoint: string;
  /** The HTTP status, or null when no answer came (timeout, connection failure). */
  status: number | null;
  ms: number;
  /** The answer's headers (rate-limit and budget headers), null when no answer came. */
  headers: Headers | null;
}

/**
 * A person waits for the answer: with the listener's own work around it, 8 s per CRM call
 * keeps "the CRM did not answer" inside the 10 s a person is promised.
 */
export const DEFAULT_CRM_DEADLINE_MS = 8_000;

export interface HttpClient {
  request<T>(req: HttpRequest<T>): Promise<T>;
}

const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set(['GET', 'PUT', 'PATCH', 'DELETE']);
const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** Same-origin redirects followed per attempt (fetch's own limit is 20; a CRM needs one or two). */
const MAX_REDIRECTS = 5;
/** A retry with less time than this left is not worth sending. */
const MIN_ATTEMPT_MS = 250;
/** Bodies kept on errors are cut here so an HTML error page does not bloat logs. */
const MAX_STORED_TEXT = 2000;

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const {
    crm,
    fetchFn = globalThis.fetch,
    timeoutMs = 10_000,
    deadlineMs = DEFAULT_CRM_DEADLINE_MS,
    maxRetries = 3,
    maxRetryWaitMs = 30_000,
    retryBaseMs = 500,
    sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    random = Math.random,
    now = Date.now,
    mapError,
    logger,
    onExchange,
  } = options;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const redactor = createRedactor([...(options.secretValues ?? []), ...Object.values(options.query ?? {})]);

  function buildUrl(req: HttpRequest<unknown>): URL {
    const url = new URL(`${baseUrl}${req.path.startsWith('/') ? '' : '/'}${req.path}`);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    return url;
  }

  function buildInit(req: HttpRequest<unknown>): RequestInit {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    let body: string | undefined;
    if (req.form) {
      headers['content-type'] = req.contentType ?? 'application/x-www-form-urlencoded';
      body = new URLSearchParams(req.form).toString();
    } else if (req.body !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/json';
      body = JSON.stringify(req.body);
    }
    return { method: req.method, headers, ...(body === undefined ? {} : { body }) };
  }

  function report(req: HttpRequest<unknown>, url: URL, status: number | null, started: number, headers: Headers | null): void {
    if (!onExchange) return;
    try {
      // The whole path (`/api/v2/deals/:id`, `/v1/deals/:id/flow`): v1 and v2 stay apart.
      onExchange({ crm, method: req.method, endpoint: endpointOf(url.pathname), status, ms: now() - started, headers });
    } catch {
      // Metrics must never fail a CRM call.
    }
  }

  async function attempt<T>(req: HttpRequest<T>, url: URL, init: RequestInit, request: RedactedRequest, attemptMs: number): Promise<T> {
    const signal = AbortSignal.timeout(attemptMs);
    const started = now();
    let status: number | undefined;
    let text: string;
    let retryAfter: string | null;
    try {
      const response = await fetchWithinOrigin(url, init, signal, request);
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      text = await response.text();
      report(req, url, status, started, response.headers);
    } catch (error) {
      report(req, url, null, started, null);
      if (error instanceof CrmRedirectRefusedError) throw error;
      const timedOut = signal.aborted || (error instanceof Error && error.name === 'TimeoutError');
      throw new CrmUnavailableError(timedOut ? 'timeout' : 'network', {
        crm,
        ...(status === undefined ? {} : { status }),
        request,
        cause: redactor.cause(error),
      });
    }

    let body: unknown;
    let isJson = true;
    if (text.trim().length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        isJson = false;
        body = text.length > MAX_STORED_TEXT ? `${text.slice(0, MAX_STORED_TEXT)}…` : text;
      }
    }
    // Only what is kept on an error is redacted; a good answer is parsed as it came.
    const errorInit = (): CrmErrorInit => ({ crm, status, request, response: redactor.value(body) });

    if (status < 200 || status >= 300) {
      const init = errorInit();
      throw statusError(req, status, init.response, request, init, retryAfter);
    }
    if (!isJson) throw new CrmBadResponseError('the body is not valid JSON', errorInit());
    const parsed = req.schema.safeParse(body);
    if (!parsed.success) {
      throw new CrmBadResponseError(redactor.text(summarizeIssues(parsed.error)), {
        ...errorInit(),
        cause: redactor.cause(parsed.error),
      });
    }
    return parsed.data;
  }

  /**
   * fetch would follow a redirect anywhere and send our headers (the CRM token) along, so
   * redirects are handled here: followed within the CRM's origin, refused to any other.
   */
  async function fetchWithinOrigin(url: URL, init: RequestInit, signal: AbortSignal, request: RedactedRequest): Promise<Response> {
    let target = url;
    let current = init;
    for (let hops = 0; ; hops++) {
      const response = await fetchFn(target, { ...current, redirect: 'manual', signal });
      if (!REDIRECTS.has(response.status)) return response;
      await response.body?.cancel().catch(() => undefined);
      const refuse = (location: string | null, reason: 'other_origin' | 'too_many' | 'no_location') =>
        new CrmRedirectRefusedError(location === null ? null : redactor.text(location), reason, {
          crm,
          status: response.status,
          request,
        });
      const location = response.headers.get('location');
      if (location === null) throw refuse(null, 'no_location');
      let next: URL;
      try {
        next = new URL(location, target);
      } catch {
        throw refuse(location, 'no_location');
      }
      if (next.origin !== url.origin) throw refuse(next.toString(), 'other_origin');
      if (hops >= MAX_REDIRECTS) throw refuse(next.toString(), 'too_many');
      // As fetch does (RFC 9110 §15.4): a 303, or a 301/302 after a POST, continues as a GET without a body.
      const method = current.method ?? 'GET';
      if (
        (response.status === 303 && method !== 'GET' && method !== 'HEAD') ||
        ((response.status === 301 || response.status === 302) && method === 'POST')
      ) {
        const headers = { ...(current.headers as Record<string, string>) };
        delete headers['content-type'];
        const { body: _dropped, ...rest } = current;
        current = { ...rest, method: 'GET', headers };
      }
      target = next;
    }
  }

  function statusError(
    req: HttpRequest<unknown>,
    status: number,
    body: unknown,
    request: RedactedRequest,
    init: CrmErrorInit,
    retryAfter: string | null,
  ): CrmError {
    if (status === 429) return new CrmRateLimitedError(parseRetryAfter(retryAfter, now()), init);
    if (status >= 500) return new CrmUnavailableError('server_error', init);
    const notFound = req.notFound ?? null;
    const mapped = mapError?.({ status, body, request, notFound, init });
    if (mapped) return mapped;
    switch (status) {
      case 400:
      case 422:
        return new CrmValidationError(messageOf(body, status), null, init);
      case 401:
        return new CrmUnauthorizedError(init);
      case 403:
        return new CrmForbiddenError(init);
      case 404:
      case 410:
        // "No deal #users" helps nobody: a list or lookup that is not there is a setting to check.
        return notFound ? new CrmNotFoundError(notFound.entity, notFound.id, init) : new CrmSettingsError(`the address ${req.path}`, init);
      case 409:
        return new CrmConflictError(messageOf(body, status), init);
      default:
        return new CrmBadResponseError(`unexpected HTTP status ${status}`, init);
    }
  }

  function isRetryable(error: unknown): boolean {
    return error instanceof CrmRateLimitedError || error instanceof CrmUnavailableError;
  }

  return {
    async request<T>(req: HttpRequest<T>): Promise<T> {
      const url = buildUrl(req);
      const request: RedactedRequest = { method: req.method, url: redactor.text(url.toString()) };
      const init = buildInit(req);
      const retries = IDEMPOTENT.has(req.method) ? maxRetries : 0;
      // A write whose answer was lost may have been applied: if a retry then fails, the
      // outcome is still unknown, and the error must say so rather than "not applied".
      let lostAnswer: CrmUnavailableError | null = null;
      const outcome = (error: unknown): unknown =>
        lostAnswer && isRetryable(error) ? new CrmUnavailableError(lostAnswer.reason, { crm, request, cause: error }) : error;

      const callStarted = now();
      const left = () => deadlineMs - (now() - callStarted);
      for (let attemptNo = 0; ; attemptNo++) {
        const started = now();
        try {
          const result = await attempt(req, url, init, request, Math.max(1, Math.min(timeoutMs, left())));
          logger?.debug({ crm, ...request, attempt: attemptNo + 1, ms: now() - started }, 'crm request');
          return result;
        } catch (error) {
          const status = error instanceof CrmError ? error.status : undefined;
          logger?.debug({ crm, ...request, status, attempt: attemptNo + 1, ms: now() - started }, 'crm request failed');
          if (!isRetryable(error) || attemptNo >= retries) throw outcome(error);
          if (req.method !== 'GET' && error instanceof CrmUnavailableError && error.reason !== 'server_error') lostAnswer ??= error;
          const asked = error instanceof CrmRateLimitedError ? error.retryAfterMs : null;
          // A CRM asking for a longer pause than we can hold a Slack user for: give up now.
          if (asked !== null && asked > maxRetryWaitMs) throw outcome(error);
          const waitMs = asked ?? Math.floor(random() * Math.min(maxRetryWaitMs, retryBaseMs * 2 ** attemptNo));
          // No time left for the wait and another try: the person hears now rather than later.
          if (left() - waitMs < MIN_ATTEMPT_MS) throw outcome(error);
          logger?.warn(
            { crm, ...request, status, attempt: attemptNo + 1, waitMs, reason: (error as CrmError).code },
            'crm request failed; retrying',
          );
          await sleep(waitMs);
        }
      }
    },
  };
}

/** Retry-After in delta-seconds or as an HTTP-date (RFC 9110 §10.2.3), in ms; null when absent or unreadable. */
function parseRetryAfter(header: string | null, nowMs: number): number | null {
  if (header === null) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** A path segment that names one record: a number, a UUID, or a long hex or base-62 id. */
const ID_SEGMENT = /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|[A-Za-z0-9_-]*\d[A-Za-z0-9_-]{11,})$/i;

/** The route template of a request path: query dropped, ids replaced by `:id`. */
export function endpointOf(path: string): string {
  const bare = path.split('?')[0]!;
  const segments = bare.split('/').map((segment) => (ID_SEGMENT.test(segment) ? ':id' : segment));
  const joined = segments.join('/');
  return joined.startsWith('/') ? joined : `/${joined}`;
}

/** The CRM's own words from a typical error body, or a neutral line. */
function messageOf(body: unknown, status: number): string {
  if (typeof body === 'string' && body.trim()) return body.trim().slice(0, 300);
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    for (const key of ['error', 'message', 'detail', 'title']) {
      const value = record[key];
      if (typeof value === 'string' && value.trim()) return value.trim();
    }
  }
  return `HTTP ${status}`;
}

function summarizeIssues(error: ZodError): string {
  const shown = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length > shown.length ? ` (and ${error.issues.length - shown.length} more)` : '';
  return `${shown.join('; ')}${more}`;
}
