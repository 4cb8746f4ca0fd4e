// The deadline on a whole CRM call (retries and their waits included) and what each HTTP
// attempt reports to `onExchange` (the CRM metrics). A CRM that never answers is a real
// loopback server that takes the connection and the request and says nothing.

import net from 'node:net';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHttpClient, DEFAULT_CRM_DEADLINE_MS, endpointOf, type CrmExchange } from '../../../src/crm/http/http-client.js';
import { CrmUnavailableError } from '../../../src/errors.js';

const itemSchema = z.object({ id: z.number() });

async function silentServer() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    connections: () => sockets.size,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function failure(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

afterEach(() => {
  nock.cleanAll();
});

describe('a deadline per CRM call, retries included', () => {
  it('leaves room for a person to hear back within 10 s by default', () => {
    expect(DEFAULT_CRM_DEADLINE_MS).toBeLessThanOrEqual(8_000);
  });

  it('gives up on a CRM that never answers at the deadline, not after every retry has timed out', async () => {
    const crm = await silentServer();
    try {
      // Without the deadline this is 4 attempts × 10 s plus backoff: the ~41 s of silence.
      const client = createHttpClient({ crm: 'Pipedrive', baseUrl: crm.url, timeoutMs: 10_000, maxRetries: 3, deadlineMs: 600 });
      const started = performance.now();
      const error = await failure(client.request({ method: 'GET', path: '/api/v2/deals/7', schema: itemSchema }));
      const tookMs = performance.now() - started;

      expect(error).toBeInstanceOf(CrmUnavailableError);
      expect((error as CrmUnavailableError).reason).toBe('timeout');
      expect(tookMs).toBeGreaterThanOrEqual(550);
      expect(tookMs).toBeLessThan(5_000);
      expect(crm.connections()).toBeGreaterThanOrEqual(1);
    } finally {
      await crm.close();
    }
  });

  it('does not start a retry wait that would end past the deadline', async () => {
    nock('https://crm.test').get('/api/things/1').times(4).reply(503, 'unavailable');
    let clock = 0;
    const waits: number[] = [];
    const client = createHttpClient({
      crm: 'TestCRM',
      baseUrl: 'https://crm.test/api',
      deadlineMs: 3_000,
      retryBaseMs: 1_000,
      random: () => 0.99,
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });

    const error = await failure(client.request({ method: 'GET', path: '/things/1', schema: itemSchema }));

    expect(error).toBeInstanceOf(CrmUnavailableError);
    // 990 ms fits in 3 s; the next 1,980 ms would leave too little for another try.
    expect(waits).toEqual([990]);
  });
});

describe('onExchange', () => {
  it('reports each attempt with its route template, status and headers, and a timeout with no status', async () => {
    nock('https://crm.test')
      .get('/api/v2/deals/42')
      .reply(429, {}, { 'retry-after': '0' })
      .get('/api/v2/deals/42')
      .reply(200, { id: 42 }, { 'x-ratelimit-remaining': '39', 'x-daily-ratelimit-token-remaining': '29500' });
    const exchanges: CrmExchange[] = [];
    const client = createHttpClient({
      crm: 'Pipedrive',
      baseUrl: 'https://crm.test',
      sleep: async () => undefined,
      onExchange: (exchange) => exchanges.push(exchange),
    });

    await client.request({ method: 'GET', path: '/api/v2/deals/42', schema: itemSchema });

    expect(exchanges.map(({ method, endpoint, status }) => ({ method, endpoint, status }))).toEqual([
      { method: 'GET', endpoint: '/api/v2/deals/:id', status: 429 },
      { method: 'GET', endpoint: '/api/v2/deals/:id', status: 200 },
    ]);
    expect(exchanges[1]!.headers?.get('x-ratelimit-remaining')).toBe('39');

    const crm = await silentServer();
    try {
      const silent = createHttpClient({
        crm: 'Pipedrive',
        baseUrl: crm.url,
        maxRetries: 0,
        deadlineMs: 200,
        onExchange: (e) => exchanges.push(e),
      });
      await failure(silent.request({ method: 'GET', path: '/v1/deals/9/flow?start=0', schema: itemSchema }));
      expect(exchanges[2]).toMatchObject({ endpoint: '/v1/deals/:id/flow', status: null, headers: null });
    } finally {
      await crm.close();
    }
  });

  it('keeps endpoint labels bounded: numbers, UUIDs and long ids become :id, words stay', () => {
    expect(endpointOf('/api/v2/deals/123/followers')).toBe('/api/v2/deals/:id/followers');
    expect(endpointOf('/api/v2/deals/search')).toBe('/api/v2/deals/search');
    expect(endpointOf('/api/v2/stages')).toBe('/api/v2/stages');
    expect(endpointOf('/deals/3f2c8a0e-1b2d-4c5e-8f90-a1b2c3d4e5f6')).toBe('/deals/:id');
    expect(endpointOf('/api/v2/dealFields')).toBe('/api/v2/dealFields');
  });
});
