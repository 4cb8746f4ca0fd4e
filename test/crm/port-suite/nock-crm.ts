// The HTTP side of a remote CRM's fake in the port suite: one persisted nock scope per test
// whose routes answer from the fake's state, a log of every request that reached it, and the
// requests no route serves, each of which fails the test (it would have cost the account a
// request, and the adapter would have got an answer nobody recorded).

import { DateTime } from 'luxon';
import nock from 'nock';
import { openNockBoundary } from '../../helpers/nock-boundary.js';

export interface FakeRequest {
  method: string;
  /** The path without the query. */
  path: string;
  query: URLSearchParams;
  /** A JSON body parsed, a form body as an object, else undefined. */
  body: Record<string, unknown> | undefined;
  /** The capture groups of the route's path pattern. */
  params: string[];
}

/** A status and a body (an object is sent as JSON, a string as is). */
export type FakeReply = [status: number, body?: unknown];

export interface NockCrm {
  /** Serves `method` on paths matching `path` (anchored) with any query. First match wins. */
  route(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: RegExp, handle: (req: FakeRequest) => FakeReply): void;
  /** Every request a route answered, in order. */
  readonly requests: FakeRequest[];
  /** Fails the test on a request no route served; removes the scope. */
  verify(): void;
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
  if (body === undefined || body === null || body === '') return undefined;
  if (typeof body === 'object') return body as Record<string, unknown>;
  const text = String(body);
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') return parsed as Record<string, unknown>;
  } catch {
    // not JSON: a form
  }
  return Object.fromEntries(new URLSearchParams(text));
}

/** Opens the scope of one test. `reqheaders` are required on every request (the credentials). */
export function createNockCrm(origin: string, reqheaders: Record<string, string> = {}): NockCrm {
  const requests: FakeRequest[] = [];
  const boundary = openNockBoundary();
  const scope = nock(origin, { reqheaders }).persist();

  return {
    requests,
    route(method, path, handle) {
      scope
        .intercept(path, method)
        .query(true)
        .reply((uri, body) => {
          const url = new URL(uri, origin);
          const params = path.exec(url.pathname)?.slice(1) ?? [];
          const req: FakeRequest = { method, path: url.pathname, query: url.searchParams, body: parseBody(body), params };
          requests.push(req);
          const [status, answer] = handle(req);
          return [status, answer ?? ''];
        });
    },
    verify() {
      boundary.close('requests the CRM fake does not serve');
    },
  };
}

/** The fakes' clock: every reading is a minute later, so a write that stamps a time shows. */
export function createFakeClock(start = '2026-03-02T09:00:00Z'): () => DateTime {
  let now = DateTime.fromISO(start, { zone: 'utc' });
  return () => {
    now = now.plus({ minutes: 1 });
    return now;
  };
}
