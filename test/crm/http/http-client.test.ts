import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import nock from 'nock';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHttpClient, type HttpClientOptions } from '../../../src/crm/http/http-client.js';
import {
  CrmBadResponseError,
  CrmConflictError,
  CrmForbiddenError,
  CrmNotFoundError,
  CrmRateLimitedError,
  CrmSettingsError,
  CrmUnauthorizedError,
  CrmUnavailableError,
  CrmValidationError,
} from '../../../src/errors.js';
import { failure } from '../../helpers/crm-failure.js';
import { useNockBoundary } from '../../helpers/nock-boundary.js';

const BASE = 'https://crm.example.test';
const TOKEN = 'tok_9f8e7d6c5b4a-secret';
const itemSchema = z.object({ id: z.number(), name: z.string() });

function setup(overrides: Partial<HttpClientOptions> = {}) {
  const waits: number[] = [];
  const client = createHttpClient({
    crm: 'TestCRM',
    baseUrl: `${BASE}/api`,
    headers: { 'x-api-token': TOKEN },
    secretValues: [TOKEN],
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  });
  return { client, waits };
}

useNockBoundary({ unmatched: 'allow' });

describe('createHttpClient: requests', () => {
  it('sends the path, query, headers and returns the body parsed by the schema', async () => {
    const scope = nock(BASE, { reqheaders: { 'x-api-token': TOKEN, accept: 'application/json' } })
      .get('/api/things/7')
      .query({ limit: '500', active: 'true' })
      .reply(200, { id: 7, name: 'Seven', extra: 'ignored' });
    const { client } = setup();

    const thing = await client.request({
      method: 'GET',
      path: '/things/7',
      query: { limit: 500, active: true, cursor: undefined },
      schema: itemSchema,
    });

    expect(thing).toEqual({ id: 7, name: 'Seven' });
    scope.done();
  });

  it('sends a JSON body with its content type', async () => {
    const scope = nock(BASE, { reqheaders: { 'content-type': 'application/json' } })
      .post('/api/things', { name: 'New' })
      .reply(200, { id: 1, name: 'New' });
    const { client } = setup();

    await expect(client.request({ method: 'POST', path: 'things', body: { name: 'New' }, schema: itemSchema })).resolves.toEqual({
      id: 1,
      name: 'New',
    });
    scope.done();
  });

  it('sends a form body url-encoded and adds the client-wide query (an api key)', async () => {
    const scope = nock(BASE, { reqheaders: { 'content-type': 'application/x-www-form-urlencoded' } })
      .put('/api/things/1', 'deal%5Bname%5D=A+%26+B')
      .query({ api_key: TOKEN })
      .reply(200, { id: 1, name: 'A & B' });
    const { client } = setup({ headers: {}, query: { api_key: TOKEN }, secretValues: [] });

    await expect(
      client.request({ method: 'PUT', path: '/things/1', form: { 'deal[name]': 'A & B' }, schema: itemSchema }),
    ).resolves.toEqual({ id: 1, name: 'A & B' });
    scope.done();
  });
});

describe('createHttpClient: errors', () => {
  it.each([
    [400, CrmValidationError],
    [422, CrmValidationError],
    [401, CrmUnauthorizedError],
    [403, CrmForbiddenError],
    [404, CrmSettingsError],
    [409, CrmConflictError],
  ] as const)('maps HTTP %i to %o with status, redacted request and parsed body', async (status, ErrorClass) => {
    const scope = nock(BASE).delete('/api/things/12').reply(status, { error: 'Nope' });
    const { client } = setup();

    const error = await failure(client.request({ method: 'DELETE', path: '/things/12', schema: itemSchema }));

    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.status).toBe(status);
    expect(error.crm).toBe('TestCRM');
    expect(error.request).toEqual({ method: 'DELETE', url: `${BASE}/api/things/12` });
    expect(error.response).toEqual({ error: 'Nope' });
    expect(error.retryable).toBe(false);
    scope.done();
  });

  it('keeps the CRM words on validation and conflict errors', async () => {
    const scope = nock(BASE)
      .post('/api/things')
      .reply(422, { error: 'Title is required' })
      .post('/api/things')
      .reply(409, { message: 'Already exists' });
    const { client } = setup();

    const validation = await failure(client.request({ method: 'POST', path: '/things', body: {}, schema: itemSchema }));
    const conflict = await failure(client.request({ method: 'POST', path: '/things', body: {}, schema: itemSchema }));

    expect((validation as CrmValidationError).crmMessage).toBe('Title is required');
    expect((validation as CrmValidationError).field).toBeNull();
    expect((conflict as CrmConflictError).crmMessage).toBe('Already exists');
    scope.done();
  });

  it('names the missing entity the request says a 404 means; without one, a 404 is a wrong address, never "no deal #users"', async () => {
    const scope = nock(BASE).get('/api/deals/31').reply(404, {}).get('/api/stages/5').reply(404, {}).get('/api/users').reply(404, {});
    const { client } = setup();

    const deal = (await failure(
      client.request({ method: 'GET', path: '/deals/31', schema: itemSchema, notFound: { entity: 'deal', id: '31' } }),
    )) as CrmNotFoundError;
    const stage = (await failure(
      client.request({ method: 'GET', path: '/stages/5', schema: itemSchema, notFound: { entity: 'stage', id: '5' } }),
    )) as CrmNotFoundError;
    const users = await failure(client.request({ method: 'GET', path: '/users', schema: itemSchema }));

    expect([deal.entity, deal.id]).toEqual(['deal', '31']);
    expect([stage.entity, stage.id]).toEqual(['stage', '5']);
    expect(stage.message).toBe('TestCRM has no stage with id 5');
    expect(users).toBeInstanceOf(CrmSettingsError);
    expect((users as CrmSettingsError).what).toBe('the address /users');
    expect(users.message).not.toMatch(/deal/);
    scope.done();
  });

  it("lets the adapter's mapError decide, with the parsed body and ready-made options", async () => {
    const scope = nock(BASE).patch('/api/deals/3').reply(400, { error: 'bad stage_id' });
    const { client } = setup({
      mapError: ({ status, body, init }) =>
        status === 400 ? new CrmValidationError((body as { error: string }).error, 'stageId', init) : undefined,
    });

    const error = (await failure(
      client.request({ method: 'PATCH', path: '/deals/3', body: { stage_id: 'x' }, schema: itemSchema }),
    )) as CrmValidationError;

    expect(error).toBeInstanceOf(CrmValidationError);
    expect(error.field).toBe('stageId');
    expect(error.status).toBe(400);
    expect(error.request?.method).toBe('PATCH');
    scope.done();
  });

  it('reports malformed JSON as a bad response, keeping the text, without retrying', async () => {
    const scope = nock(BASE).get('/api/things/1').reply(200, '{"id": 1, "name": ', { 'content-type': 'application/json' });
    const { client, waits } = setup();

    const error = await failure(client.request({ method: 'GET', path: '/things/1', schema: itemSchema }));

    expect(error).toBeInstanceOf(CrmBadResponseError);
    expect(error.message).toContain('not valid JSON');
    expect(error.response).toBe('{"id": 1, "name": ');
    expect(waits).toEqual([]);
    scope.done();
  });

  it('reports a body that breaks the schema as a bad response naming the issue', async () => {
    const scope = nock(BASE).get('/api/things/1').reply(200, { id: 'one', name: 'One' });
    const { client } = setup();

    const error = await failure(client.request({ method: 'GET', path: '/things/1', schema: itemSchema }));

    expect(error).toBeInstanceOf(CrmBadResponseError);
    expect(error.message).toMatch(/^TestCRM sent an unexpected response: id: /);
    expect(error.response).toEqual({ id: 'one', name: 'One' });
    expect(error.cause).toBeInstanceOf(z.ZodError);
    scope.done();
  });

  it('maps an unexpected status to a bad response', async () => {
    const scope = nock(BASE).get('/api/things/1').reply(418, 'teapot');
    const { client } = setup();

    const error = await failure(client.request({ method: 'GET', path: '/things/1', schema: itemSchema }));

    expect(error).toBeInstanceOf(CrmBadResponseError);
    expect(error.message).toContain('418');
    expect(error.response).toBe('teapot');
    scope.done();
  });
});

describe('createHttpClient: retries', () => {
  it('waits as long as Retry-After (seconds) asks, then succeeds', async () => {
    const scope = nock(BASE)
      .get('/api/things/1')
      .reply(429, { error: 'slow down' }, { 'Retry-After': '2' })
      .get('/api/things/1')
      .reply(200, { id: 1, name: 'One' });
    const { client, waits } = setup();

    await expect(client.request({ method: 'GET', path: '/things/1', schema: itemSchema })).resolves.toEqual({ id: 1, name: 'One' });

    expect(waits).toEqual([2000]);
    scope.done();
  });

  it('reads an HTTP-date Retry-After against the clock', async () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    const scope = nock(BASE)
      .get('/api/things/1')
      .reply(429, {}, { 'Retry-After': 'Sun, 01 Mar 2026 12:00:05 GMT' })
      .get('/api/things/1')
      .reply(200, { id: 1, name: 'One' });
    const { client, waits } = setup({ now: () => now });

    await client.request({ method: 'GET', path: '/things/1', schema: itemSchema });

    expect(waits).toEqual([5000]);
    scope.done();
  });

  it('fails at once with the rate-limit error when Retry-After exceeds the longest wait', async () => {
    const scope = nock(BASE).get('/api/things/1').reply(429, { error: 'daily budget spent' }, { 'Retry-After': '3600' });
    const { client, waits } = setup({ maxRetryWaitMs: 30_000 });

    const error = (await failure(client.request({ method: 'GET', path: '/things/1', schema: itemSchema }))) as CrmRateLimitedError;

    expect(error).toBeInstanceOf(CrmRateLimitedError);
    expect(error.retryAfterMs).toBe(3_600_000);
    expect(error.status).toBe(429);
    expect(waits).toEqual([]);
    scope.done();
  });

  it('retries a GET on 5xx with exponential backoff and full jitter, then gives up', async () => {
    const scope = nock(BASE).get('/api/things/1').times(4).reply(503, 'unavailable');
    const { client, waits } = setup({ retryBaseMs: 500, random: () => 0.5 });

    const error = (await failure(client.request({ method: 'GET', path: '/things/1', schema: itemSchema }))) as CrmUnavailableError;

    expect(error).toBeInstanceOf(CrmUnavailableError);
    expect(error.reason).toBe('server_error');
    expect(error.status).toBe(503);
    expect(waits).toEqual([250, 500, 1000]); // half of 500, 1000, 2000: four attempts in all
    scope.done();
  });

  it('caps the backoff at maxRetryWaitMs', async () => {
    const scope = nock(BASE).get('/api/things/1').times(3).reply(500, {});
    const { client, waits } = setup({ retryBaseMs: 10_000, maxRetryWaitMs: 12_000, maxRetries: 2, random: () => 0.99, deadlineMs: 60_000 });

    await failure(client.request({ method: 'GET', path: '/things/1', schema: itemSchema }));

    expect(waits).toEqual([9900, 11880]);
    scope.done();
  });

  it.each(['PUT', 'PATCH', 'DELETE'] as const)('retries %s, which is idempotent', async (method) => {
    const scope = nock(BASE)
      .intercept('/api/things/1', method)
      .reply(502, {})
      .intercept('/api/things/1', method)
      .reply(200, { id: 1, name: 'One' });
    const { client, waits } = setup();

    await expect(client.request({ method, path: '/things/1', body: { a: 1 }, schema: itemSchema })).resolves.toEqual({
      id: 1,
      name: 'One',
    });

    expect(waits).toHaveLength(1);
    scope.done();
  });

  it('never retries a POST, even on 503 or 429', async () => {
    const scope = nock(BASE).post('/api/things').reply(503, {}).post('/api/things').reply(429, {}, { 'Retry-After': '1' });
    const { client, waits } = setup();

    const unavailable = await failure(client.request({ method: 'POST', path: '/things', body: {}, schema: itemSchema }));
    const limited = await failure(client.request({ method: 'POST', path: '/things', body: {}, schema: itemSchema }));

    expect(unavailable).toBeInstanceOf(CrmUnavailableError);
    expect(limited).toBeInstanceOf(CrmRateLimitedError);
    expect((limited as CrmRateLimitedError).retryAfterMs).toBe(1000);
    expect(waits).toEqual([]);
    scope.done(); // exactly one attempt each: a second would find no interceptor and fail differently
  });

  it('times out an attempt that takes too long, and retries a GET', async () => {
    // The retry must answer within the same per-attempt timeout: 30 ms flaked on a busy
    // machine, so the timeout is roomy and the first answer far beyond it.
    const scope = nock(BASE)
      .get('/api/things/1')
      .delay(10_000)
      .reply(200, { id: 1, name: 'late' })
      .get('/api/things/1')
      .reply(200, { id: 1, name: 'One' });
    const { client, waits } = setup({ timeoutMs: 500 });

    await expect(client.request({ method: 'GET', path: '/things/1', schema: itemSchema })).resolves.toEqual({ id: 1, name: 'One' });

    expect(waits).toHaveLength(1);
    scope.done();
  });

  it('reports a timeout as the CRM being unavailable', async () => {
    const scope = nock(BASE).post('/api/things').delay(1_000).reply(200, { id: 1, name: 'late' });
    const { client, waits } = setup({ timeoutMs: 30 });

    const error = (await failure(client.request({ method: 'POST', path: '/things', body: {}, schema: itemSchema }))) as CrmUnavailableError;

    expect(error).toBeInstanceOf(CrmUnavailableError);
    expect(error.reason).toBe('timeout');
    expect(error.retryable).toBe(true);
    expect(waits).toEqual([]);
    scope.done();
  });

  it('reports a network failure as unavailable and retries a GET', async () => {
    const scope = nock(BASE).get('/api/things/1').times(2).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    const { client, waits } = setup({ maxRetries: 1 });

    const error = (await failure(client.request({ method: 'GET', path: '/things/1', schema: itemSchema }))) as CrmUnavailableError;

    expect(error.reason).toBe('network');
    expect(error.status).toBeUndefined();
    expect(error.cause).toBeDefined();
    expect(waits).toHaveLength(1);
    scope.done();
  });
});

describe('createHttpClient: credentials', () => {
  it('keeps the token out of messages, error JSON, the stored URL, causes and log lines', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const scope = nock(BASE)
      .get('/api/things/1')
      .query({ api_key: TOKEN })
      .reply(401, { error: `token ${TOKEN} is not valid` })
      .get('/api/things/2')
      .query({ api_key: TOKEN })
      .reply(200, { id: 2, name: TOKEN, wrong: true }, {})
      .get('/api/things/3')
      .query({ api_key: TOKEN })
      .times(2)
      .replyWithError(`connect failed to ${BASE}/api/things/3?api_key=${TOKEN}`)
      .get('/api/things/4')
      .query({ api_key: TOKEN })
      .reply(503, {});
    const { client } = setup({ query: { api_key: TOKEN }, logger, maxRetries: 1 });

    const errors = [
      await failure(client.request({ method: 'GET', path: '/things/1', schema: itemSchema })),
      await failure(client.request({ method: 'GET', path: '/things/2', schema: z.object({ id: z.string() }) })),
      await failure(client.request({ method: 'GET', path: '/things/3', schema: itemSchema })),
      await failure(client.request({ method: 'GET', path: '/things/4', schema: itemSchema })),
    ];

    expect(errors.map((e) => e.constructor)).toEqual([CrmUnauthorizedError, CrmBadResponseError, CrmUnavailableError, CrmUnavailableError]);
    for (const error of errors) {
      expect(error.request?.url).toMatch(/^https:\/\/crm\.example\.test\/api\/things\/\d\?api_key=\[redacted\]$/);
      expect(error.message).not.toContain(TOKEN);
      expect(JSON.stringify(error)).not.toContain(TOKEN);
      expect(inspect(error, { depth: 10 })).not.toContain(TOKEN);
    }
    expect(JSON.stringify(errors[0]!.response)).toContain('[redacted]');
    expect(lines.length).toBeGreaterThan(4);
    expect(lines.join('')).not.toContain(TOKEN);
    scope.done();
  });

  it('redacts a token the CRM echoes as a JSON object key, in the error, its message and the log line', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const scope = nock(BASE)
      .get('/api/things/1')
      .reply(403, { errors: { [TOKEN]: ['is not allowed here'] }, [`user:${TOKEN}`]: 1 })
      .get('/api/things/2')
      .reply(200, { [TOKEN]: 'not a number' });
    const { client } = setup({ logger });

    const forbidden = await failure(client.request({ method: 'GET', path: '/things/1', schema: itemSchema }));
    const malformed = await failure(client.request({ method: 'GET', path: '/things/2', schema: z.record(z.string(), z.number()) }));
    logger.error({ err: forbidden, response: forbidden.response }, 'crm refused');
    logger.error({ err: malformed, response: malformed.response }, 'crm answered oddly');

    expect(forbidden).toBeInstanceOf(CrmForbiddenError);
    expect(forbidden.response).toEqual({ errors: { '[redacted]': ['is not allowed here'] }, 'user:[redacted]': 1 });
    expect(malformed).toBeInstanceOf(CrmBadResponseError);
    expect(malformed.response).toEqual({ '[redacted]': 'not a number' });
    for (const error of [forbidden, malformed]) {
      expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(TOKEN);
      expect(inspect(error, { depth: 10 })).not.toContain(TOKEN);
    }
    expect(lines.join('')).not.toContain(TOKEN);
    scope.done();
  });
});
