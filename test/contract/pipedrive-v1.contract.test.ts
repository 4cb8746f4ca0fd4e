// Contract test of the v1 dialect (`apiVersion: 'v1'`) with Stoplight Prism (see prism-harness.ts).
//
// Pipedrive's published openapi-v1.yaml (2026) no longer has the endpoints v1 mode calls for
// deals, search, stages and pipelines (`GET/POST /deals`, `GET/PUT /deals/{id}`,
// `/deals/search`, `/stages`, `/pipelines`): Pipedrive moved them to v2. So:
// - what the published v1 spec still documents (users, the current user, a deal's flow) is
//   checked against it, request by request;
// - the deal operations are checked against the Fintesk server's own contract (seed 003),
//   transcribed in test/fixtures/fintesk/openapi-deals.yaml, Prism answering with the seed's
//   samples verbatim, which must parse;
// - every v1 deal example the published spec still carries (archived deals, deals of a
//   pipeline or a stage, a duplicated or merged deal) must parse with the v1 schemas;
// - one test pins the requests the published spec does not route, so this file says so the
//   day that changes. Stages and pipelines are in neither spec; their shapes are tested with nock.

import { resolve } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZodType } from 'zod';
import { createPipedriveClient } from '../../src/crm/pipedrive/pipedrive-client.js';
import { ensurePipedriveWebhook } from '../../src/crm/pipedrive/pipedrive-webhooks.js';
import { v1DealListResponseSchema, v1DealResponseSchema } from '../../src/crm/pipedrive/v1-schemas.js';
import type { CrmClient } from '../../src/crm/port.js';
import { CrmError, CrmValidationError } from '../../src/errors.js';
import { FIXTURES, PIPEDRIVE_SPECS, STARTUP_LIMIT_MS, createExchangeRecorder, startPrism, type RunningPrism } from './prism-harness.js';

const TOKEN = 'contract-test-token-0123456789';

let published: RunningPrism;
let fintesk: RunningPrism;
const { fetch: recordingFetch, exchanges, conforming } = createExchangeRecorder();

function v1Adapter(baseUrl: string, companyDomain?: string): CrmClient {
  return createPipedriveClient({
    apiToken: TOKEN,
    apiVersion: 'v1',
    v1BaseUrl: baseUrl,
    fetchFn: recordingFetch,
    maxRetries: 0,
    // Fintesk documents no users/me; the link's domain is given instead.
    ...(companyDomain ? { companyDomain } : {}),
  });
}

beforeAll(async () => {
  [published, fintesk] = await Promise.all([
    startPrism(resolve(PIPEDRIVE_SPECS, 'openapi-v1.yaml')),
    startPrism(resolve(FIXTURES, 'fintesk/openapi-deals.yaml')),
  ]);
  console.info(`Prism startup: Pipedrive v1 spec ${published.startupMs} ms, Fintesk deals ${fintesk.startupMs} ms`);
}, STARTUP_LIMIT_MS + 10_000);

afterAll(() => {
  published?.process.kill('SIGTERM');
  fintesk?.process.kill('SIGTERM');
});

describe("v1 dialect against Fintesk's deal operations (seed 003, Prism)", () => {
  const crm = () => v1Adapter(fintesk.baseUrl, 'acme');

  it("gets a deal and reads the seed's sample", async () => {
    const deal = await conforming(() => crm().getDeal('1'));
    expect(deal).toMatchObject({ id: 'string', title: 'string', url: 'https://acme.pipedrive.com/deal/string' });
  });

  it('lists deals with every filter, and of several statuses', async () => {
    await conforming(() =>
      crm().listDeals({
        pipelineId: '1',
        stageId: '1',
        ownerId: '1',
        status: ['won'],
        updatedSince: DateTime.utc(2025, 1, 1, 10, 20),
        cursor: '500',
        limit: 50,
      }),
    );
    const page = await conforming(() => crm().listDeals({ status: ['open', 'lost'] }));
    expect(page.items.map((d) => d.title)).toEqual(['string']);
  });

  it('searches deals', async () => {
    const result = await conforming(() => crm().searchDeals('Acme', { status: ['open'], limit: 20 }));
    expect(result.more).toBe(true);
    await conforming(() => crm().searchDeals('Acme'));
  });

  it('creates a deal with every field (201)', async () => {
    const deal = await conforming(() =>
      crm().createDeal({
        title: 'Contract deal',
        value: { amount: 1200.5, currency: 'EUR' },
        pipelineId: '1',
        stageId: '1',
        ownerId: '1',
        organizationId: '1',
        personId: '1',
        expectedCloseDate: '2026-06-30',
        probability: 60,
      }),
    );
    expect(deal.title).toBe('string');
    expect(exchanges.at(-1)?.status).toBe(201);
  });

  it('updates, moves, wins, loses with and without a reason, and reopens a deal', async () => {
    await conforming(() =>
      crm().updateDeal('1', {
        title: 'Renamed',
        value: { amount: 10, currency: 'USD' },
        ownerId: '1',
        organizationId: '1',
        personId: '1',
        expectedCloseDate: '2026-07-01',
        probability: 20,
      }),
    );
    await conforming(() => crm().updateDeal('1', { value: null }));
    await conforming(() => crm().moveDeal('1', '2'));
    await conforming(() => crm().markWon('1'));
    await conforming(() => crm().markLost('1', 'Budget cut'));
    await conforming(() => crm().markLost('1', null));
    await conforming(() => crm().reopenDeal('1'));
  });

  it('can fail: the transcribed contract refuses what the seed does not allow', async () => {
    const headers = { 'x-api-token': TOKEN, 'content-type': 'application/json' };
    const body = JSON.stringify({ value: 5 });
    const numericValue = await fetch(`${fintesk.baseUrl}/deals/1`, { method: 'PUT', headers, body });
    expect(numericValue.status).toBe(422);
    const twoStatuses = await fetch(`${fintesk.baseUrl}/deals?status=open,won`, { headers });
    expect(twoStatuses.status).toBe(422);
  });

  it('can fail through the adapter too: clearing a person sends null, which the seed types as an integer', async () => {
    // Same documented deviation as with Pipedrive v2: a link is cleared with null.
    const error = await crm()
      .updateDeal('1', { personId: null })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CrmValidationError);
    expect((error as CrmValidationError).status).toBe(422);
    expect(JSON.stringify((error as CrmValidationError).response)).toContain('person_id');
  });
});

describe("v1 dialect against Pipedrive's published v1 spec (Prism)", () => {
  const crm = () => v1Adapter(published.baseUrl);

  it('lists users, reads the default currency and a deal history page by page', async () => {
    const users = await conforming(() => crm().listUsers());
    expect(users.map((u) => u.name)).toEqual(['John Doe', 'Jane Doe']);
    await expect(conforming(() => crm().defaultCurrency())).resolves.toBe('EUR');
    const page = await conforming(() => crm().getDealHistory('1'));
    await conforming(() => crm().getDealHistory('1', page.nextCursor));
  });

  it.each<[string, string, string, ZodType, unknown?]>([
    ['GET /deals/archived', 'GET', '/deals/archived', v1DealListResponseSchema],
    ['GET /pipelines/{id}/deals', 'GET', '/pipelines/1/deals', v1DealListResponseSchema],
    ['GET /stages/{id}/deals', 'GET', '/stages/1/deals', v1DealListResponseSchema],
    ['POST /deals/{id}/duplicate', 'POST', '/deals/1/duplicate', v1DealResponseSchema],
    ['PUT /deals/{id}/merge', 'PUT', '/deals/1/merge', v1DealResponseSchema, { merge_with_id: 2 }],
  ])("the spec's v1 deal example of %s parses with the v1 schemas", async (_name, method, path, schema, body) => {
    const response = await fetch(`${published.baseUrl}${path}`, {
      method,
      headers: { 'x-api-token': TOKEN, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    expect(response.status).toBe(200);
    const parsed = schema.safeParse(await response.json());
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('does not route the deal, search, stage and pipeline requests of v1 mode (Pipedrive moved them to v2)', async () => {
    const adapter = v1Adapter(published.baseUrl, 'acme');
    const operations: Array<() => Promise<unknown>> = [
      () => adapter.getDeal('1'),
      () => adapter.listDeals({}),
      () => adapter.searchDeals('Acme'),
      () => adapter.createDeal({ title: 'X' }),
      () => adapter.markWon('1'),
      () => adapter.listStages(),
      () => adapter.listPipelines(),
    ];
    const unrouted: string[] = [];
    for (const operation of operations) {
      const first = exchanges.length;
      const error = await operation().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CrmError);
      expect(JSON.stringify((error as CrmError).response)).toContain('NO_PATH_MATCHED_ERROR');
      for (const exchange of exchanges.slice(first)) unrouted.push(`${exchange.method} ${new URL(exchange.url).pathname}`);
    }

    expect(unrouted).toEqual([
      'GET /deals/1',
      'GET /deals',
      'GET /deals/search',
      'POST /deals',
      'PUT /deals/1',
      'GET /stages',
      'GET /pipelines',
    ]);
  });
});

describe("registering the alerts' webhook against Pipedrive's published v1 spec (Prism)", () => {
  it('lists the webhooks, and registers one (the example list has none for our URL) with a body the spec accepts', async () => {
    const first = exchanges.length;
    const registered = await conforming(() =>
      ensurePipedriveWebhook({
        apiToken: TOKEN,
        v1BaseUrl: published.baseUrl,
        fetchFn: recordingFetch,
        maxRetries: 0,
        subscriptionUrl: 'https://dealbot.example.com/webhooks/pipedrive',
        user: 'pipedrive',
        password: 'webhook-password',
      }),
    );
    expect(registered).toEqual({ result: 'created', webhookId: '1' });
    expect(exchanges.slice(first).map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`)).toEqual([
      'GET /webhooks 200',
      'POST /webhooks 201',
    ]);
  });
});
