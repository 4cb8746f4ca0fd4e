// `whoAmI` on each remote adapter: how `/deal connect` learns whose credential a person pasted
// before keeping it (issue #16). One request each, never cached; a refused credential is
// `CrmUnauthorizedError` (`services/personal-credentials.ts` turns it into "not accepted").

import { readFileSync } from 'node:fs';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createPipedriveClient } from '../../src/crm/pipedrive/pipedrive-client.js';
import { createPipelineDealsClient } from '../../src/crm/pipelinedeals/pipelinedeals-client.js';
import { createProductiveClient } from '../../src/crm/productive/productive-client.js';
import { CrmUnauthorizedError } from '../../src/errors.js';
import { useNockBoundary } from '../helpers/nock-boundary.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded JSON read loosely
type Json = any;
const fixture = (crm: string, name: string): Json =>
  JSON.parse(readFileSync(new URL(`../fixtures/${crm}/${name}.json`, import.meta.url), 'utf8'));

useNockBoundary();

describe('whoAmI', () => {
  it('Pipedrive: GET /v1/users/me with the token, asked again each time', async () => {
    const scope = nock('https://api.pipedrive.com', { reqheaders: { 'x-api-token': 'pd-own' } })
      .get('/v1/users/me')
      .twice()
      .reply(200, fixture('pipedrive', 'users-me'));
    const client = createPipedriveClient({ apiToken: 'pd-own' });
    expect(await client.whoAmI!()).toEqual({ id: '1', name: 'Me', email: 'me@pipedrive.com', active: true });
    await client.whoAmI!();
    expect(scope.isDone()).toBe(true);
  });

  it('Pipedrive: a token it refuses is CrmUnauthorizedError, and the token is in no part of the error', async () => {
    nock('https://api.pipedrive.com').get('/v1/users/me').reply(401, fixture('pipedrive', 'error-unauthorized'));
    const error = await createPipedriveClient({ apiToken: 'pd-wrong-token-123456' }).whoAmI!().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmUnauthorizedError);
    expect(JSON.stringify(error) + String(error)).not.toContain('pd-wrong-token-123456');
  });

  it("Productive: the token's organization membership names its person", async () => {
    const scope = nock('https://api.productive.io', { reqheaders: { 'x-auth-token': 'pr-own', 'x-organization-id': '48213' } })
      .get('/api/v2/organization_memberships')
      .query({ include: 'person', 'filter[organization_id]': '48213' })
      .reply(200, fixture('productive', 'organization-memberships'));
    const client = createProductiveClient({ apiToken: 'pr-own', organizationId: '48213' });
    expect(await client.whoAmI!()).toEqual({ id: '701', name: 'Ana Horvat', email: 'ana@example.com', active: true });
    expect(scope.isDone()).toBe(true);
  });

  it('Productive: a refused token is CrmUnauthorizedError', async () => {
    nock('https://api.productive.io')
      .get('/api/v2/organization_memberships')
      .query(true)
      .reply(401, { errors: [{ status: '401', title: 'Unauthorized' }] });
    await expect(createProductiveClient({ apiToken: 'pr-wrong', organizationId: '48213' }).whoAmI!()).rejects.toBeInstanceOf(
      CrmUnauthorizedError,
    );
  });

  it("PipelineDeals: GET /api/v3/profile.json is the key's own user, bare or under `user`", async () => {
    const scope = nock('https://api.pipelinecrm.com')
      .get('/api/v3/profile.json')
      .query({ api_key: 'pld-own' })
      .reply(200, fixture('pipelinedeals', 'profile'))
      .get('/api/v3/profile.json')
      .query({ api_key: 'pld-own' })
      .reply(200, { user: fixture('pipelinedeals', 'profile') });
    const client = createPipelineDealsClient({ apiKey: 'pld-own' });
    const dana = { id: '118762', name: 'Dana Sales', email: 'dana@example.com', active: true };
    expect(await client.whoAmI!()).toEqual(dana);
    expect(await client.whoAmI!()).toEqual(dana);
    expect(scope.isDone()).toBe(true);
  });
});
