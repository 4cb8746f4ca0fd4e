// A CRM that redirects must never make Dealbot hand its credential to another host. Two real
// loopback servers (two ports, so two origins): the "CRM" answers every request with a
// redirect to the "other host", which records whatever reaches it. fetch's own redirect
// handling would re-send `x-api-token` / `x-auth-token` there; ours refuses, for every
// credential style and every redirect status, through the real adapters as well.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHttpClient, type HttpClientOptions } from '../../../src/crm/http/http-client.js';
import { createPipedriveClient } from '../../../src/crm/pipedrive/pipedrive-client.js';
import { createPipelineDealsClient } from '../../../src/crm/pipelinedeals/pipelinedeals-client.js';
import { createProductiveClient } from '../../../src/crm/productive/productive-client.js';
import { CrmRedirectRefusedError } from '../../../src/errors.js';
import { failure } from '../../helpers/crm-failure.js';

const TOKEN = 'tok_5e4d3c2b1a-redirect-secret';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface Loopback {
  origin: string;
  seen: Seen[];
  /** What the server answers; set per test. */
  answer: (req: Seen) => { status: number; headers?: Record<string, string>; body?: unknown };
  server: Server;
}

async function loopback(): Promise<Loopback> {
  const state = { seen: [] as Seen[], answer: (_req: Seen) => ({ status: 200, body: {} }) } as Loopback;
  state.server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const seen: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      state.seen.push(seen);
      const { status, headers = {}, body: out } = state.answer(seen);
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(out === undefined ? '' : JSON.stringify(out));
    });
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.origin = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

let crm: Loopback;
let other: Loopback;

beforeAll(async () => {
  [crm, other] = await Promise.all([loopback(), loopback()]);
});
afterAll(async () => {
  await Promise.all([crm, other].map((s) => new Promise((resolve) => s.server.close(resolve))));
});
afterEach(() => {
  crm.seen.length = 0;
  other.seen.length = 0;
});

/** The CRM redirects every request to the same path and query on the other host. */
function redirectEverythingTo(target: Loopback, status: number): void {
  crm.answer = (req) => ({ status, headers: { location: `${target.origin}${req.url}` } });
  target.answer = () => ({ status: 200, body: { id: 1, name: 'stolen' } });
}

function leaked(): string {
  return JSON.stringify(other.seen);
}

const item = z.object({ id: z.number(), name: z.string() });

const styles: Array<{ style: string; options: Partial<HttpClientOptions> }> = [
  { style: 'x-api-token header (Pipedrive)', options: { headers: { 'x-api-token': TOKEN } } },
  { style: 'x-auth-token header (Productive)', options: { headers: { 'x-auth-token': TOKEN, 'x-organization-id': '4242' } } },
  { style: 'api_token query (Pipedrive v1)', options: { query: { api_token: TOKEN } } },
  { style: 'api_key query (PipelineDeals)', options: { query: { api_key: TOKEN } } },
];

describe('createHttpClient: redirects to another origin are refused', () => {
  for (const { style, options } of styles) {
    for (const status of [301, 302, 303, 307, 308]) {
      it(`${style}, ${status}: the other host receives nothing, the error is typed and redacted`, async () => {
        redirectEverythingTo(other, status);
        const client = createHttpClient({ crm: 'TestCRM', baseUrl: `${crm.origin}/api`, secretValues: [TOKEN], maxRetries: 2, ...options });

        const error = await failure(client.request({ method: 'POST', path: '/deals', body: { title: 'Acme' }, schema: item }));

        expect(error).toBeInstanceOf(CrmRedirectRefusedError);
        expect(error).toMatchObject({ reason: 'other_origin', status, retryable: false });
        expect(crm.seen).toHaveLength(1);
        expect(other.seen).toEqual([]);
        expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(TOKEN);
        expect((error as CrmRedirectRefusedError).location).toContain(other.origin);
      });
    }
  }

  it('refuses a GET too, without retrying it', async () => {
    redirectEverythingTo(other, 302);
    const client = createHttpClient({
      crm: 'TestCRM',
      baseUrl: crm.origin,
      headers: { 'x-api-token': TOKEN },
      maxRetries: 3,
      sleep: async () => undefined,
    });

    await expect(client.request({ method: 'GET', path: '/deals/1', schema: item })).rejects.toBeInstanceOf(CrmRedirectRefusedError);
    expect(crm.seen).toHaveLength(1);
    expect(other.seen).toEqual([]);
  });

  it('treats http→https on the same host as another origin', async () => {
    crm.answer = (req) => ({ status: 301, headers: { location: `https://127.0.0.1:1${req.url}` } });
    const client = createHttpClient({ crm: 'TestCRM', baseUrl: crm.origin, headers: { 'x-api-token': TOKEN } });

    await expect(client.request({ method: 'GET', path: '/deals/1', schema: item })).rejects.toMatchObject({ reason: 'other_origin' });
  });
});

describe('createHttpClient: redirects within the CRM origin', () => {
  it('follows a same-origin 307 with the method, body and token kept', async () => {
    crm.answer = (req) =>
      req.url === '/api/deals'
        ? { status: 307, headers: { location: '/api/v2/deals' } }
        : { status: 201, body: { id: 9, name: JSON.parse(req.body).title } };
    const client = createHttpClient({ crm: 'TestCRM', baseUrl: `${crm.origin}/api`, headers: { 'x-api-token': TOKEN } });

    await expect(client.request({ method: 'POST', path: '/deals', body: { title: 'Acme' }, schema: item })).resolves.toEqual({
      id: 9,
      name: 'Acme',
    });
    expect(crm.seen.map((s) => [s.method, s.url, s.headers['x-api-token'], s.body])).toEqual([
      ['POST', '/api/deals', TOKEN, '{"title":"Acme"}'],
      ['POST', '/api/v2/deals', TOKEN, '{"title":"Acme"}'],
    ]);
  });

  it('continues a 303 after a POST as a GET without a body, as fetch does', async () => {
    crm.answer = (req) =>
      req.method === 'POST' ? { status: 303, headers: { location: '/api/deals/9' } } : { status: 200, body: { id: 9, name: 'Acme' } };
    const client = createHttpClient({ crm: 'TestCRM', baseUrl: `${crm.origin}/api`, headers: { 'x-api-token': TOKEN } });

    await expect(client.request({ method: 'POST', path: '/deals', body: { title: 'Acme' }, schema: item })).resolves.toEqual({
      id: 9,
      name: 'Acme',
    });
    expect(crm.seen.map((s) => [s.method, s.url, s.headers['content-type'], s.body])).toEqual([
      ['POST', '/api/deals', 'application/json', '{"title":"Acme"}'],
      ['GET', '/api/deals/9', undefined, ''],
    ]);
  });

  it('gives up on a redirect loop after a bounded number of hops', async () => {
    crm.answer = (req) => ({ status: 302, headers: { location: req.url === '/a' ? '/b' : '/a' } });
    const client = createHttpClient({ crm: 'TestCRM', baseUrl: crm.origin, headers: { 'x-api-token': TOKEN }, maxRetries: 0 });

    await expect(client.request({ method: 'GET', path: '/a', schema: item })).rejects.toMatchObject({ reason: 'too_many' });
    expect(crm.seen).toHaveLength(6);
  });

  it('hops within the origin, then refuses the hop that leaves it', async () => {
    crm.answer = (req) => ({ status: 302, headers: { location: req.url.startsWith('/a') ? '/b' : `${other.origin}/c?api_key=${TOKEN}` } });
    const client = createHttpClient({ crm: 'TestCRM', baseUrl: crm.origin, query: { api_key: TOKEN }, maxRetries: 0 });

    const error = await failure(client.request({ method: 'GET', path: '/a', schema: item }));
    expect(error).toMatchObject({ reason: 'other_origin' });
    expect((error as CrmRedirectRefusedError).location).toBe(`${other.origin}/c?api_key=[redacted]`);
    expect(crm.seen.map((s) => s.url)).toEqual([`/a?api_key=${TOKEN}`, '/b']);
    expect(other.seen).toEqual([]);
  });
});

describe('the adapters never send their credential to a host a redirect names', () => {
  const adapters = [
    {
      name: 'Pipedrive (x-api-token)',
      read: () => createPipedriveClient({ apiToken: TOKEN, baseUrl: crm.origin, maxRetries: 0 }).getDeal('1'),
    },
    {
      name: 'Productive (x-auth-token)',
      read: () => createProductiveClient({ apiToken: TOKEN, organizationId: '4242', baseUrl: crm.origin, maxRetries: 0 }).getDeal('1'),
    },
    {
      name: 'PipelineDeals (api_key)',
      read: () => createPipelineDealsClient({ apiKey: TOKEN, baseUrl: crm.origin, maxRetries: 0 }).getDeal('1'),
    },
  ];
  for (const { name, read } of adapters) {
    for (const status of [302, 307]) {
      it(`${name}, ${status}`, async () => {
        redirectEverythingTo(other, status);

        await expect(read()).rejects.toBeInstanceOf(CrmRedirectRefusedError);
        expect(crm.seen.length).toBeGreaterThan(0);
        expect(other.seen).toEqual([]);
        expect(leaked()).not.toContain(TOKEN);
      });
    }
  }
});
