// Registering Dealbot's webhook at start, against Pipedrive's v1 webhooks API behind nock (the
// request shapes of the vendored spec, test/contract/specs/pipedrive/openapi-v1.yaml).

import { describe, expect, it } from 'vitest';
import { CrmUnauthorizedError } from '../../../src/errors.js';
import { ensurePipedriveWebhook, WEBHOOK_NAME } from '../../../src/crm/pipedrive/pipedrive-webhooks.js';
import { useNockBoundary } from '../../helpers/nock-boundary.js';
import { pipedriveApi, PIPEDRIVE_TOKEN } from '../../helpers/pipedrive-under-test.js';

useNockBoundary();

const URL = 'https://dealbot.example.com/webhooks/pipedrive';
const register = () =>
  ensurePipedriveWebhook({ apiToken: PIPEDRIVE_TOKEN, subscriptionUrl: URL, user: 'pipedrive', password: 's3cret', sleep: async () => {} });

/** The spec's example webhook, pointed where a test says. */
const hook = (fields: Record<string, unknown>) => ({
  id: 1,
  company_id: 1,
  owner_id: 1,
  user_id: 1,
  event_action: '*',
  event_object: 'deal',
  subscription_url: 'http://example.org',
  version: '2.0',
  is_active: 1,
  add_time: '2019-10-25T08:25:27.000Z',
  remove_time: null,
  type: 'general',
  http_auth_user: null,
  http_auth_password: null,
  remove_reason: null,
  last_delivery_time: null,
  last_http_status: null,
  admin_id: 1,
  name: 'Example webhook',
  ...fields,
});

describe('ensurePipedriveWebhook', () => {
  it('registers nothing when a version 2.0 deal webhook already points at the URL (one GET)', async () => {
    const scope = pipedriveApi()
      .get('/v1/webhooks')
      .reply(200, {
        success: true,
        data: [hook({ id: 3, subscription_url: 'https://other.example.com/hook' }), hook({ id: 7, subscription_url: URL })],
      });
    await expect(register()).resolves.toEqual({ result: 'exists', webhookId: '7' });
    scope.done();
  });

  it('registers a v2 webhook for every deal action, with the basic auth Dealbot checks, when none is there', async () => {
    const scope = pipedriveApi()
      .get('/v1/webhooks')
      // A version 1.0 webhook for the same URL sends bodies Dealbot refuses: it does not count.
      .reply(200, { success: true, data: [hook({ id: 2, subscription_url: URL, version: '1.0' })] })
      .post('/v1/webhooks', {
        subscription_url: URL,
        event_action: '*',
        event_object: 'deal',
        version: '2.0',
        name: WEBHOOK_NAME,
        http_auth_user: 'pipedrive',
        http_auth_password: 's3cret',
      })
      .reply(201, { success: true, data: hook({ id: 9, subscription_url: URL, http_auth_user: 'pipedrive' }) });
    await expect(register()).resolves.toEqual({ result: 'created', webhookId: '9' });
    scope.done();
  });

  it('registers when the account has no webhooks at all (data: null)', async () => {
    const scope = pipedriveApi()
      .get('/v1/webhooks')
      .reply(200, { success: true, data: null })
      .post('/v1/webhooks')
      .reply(201, { success: true, data: hook({ id: 10, subscription_url: URL }) });
    await expect(register()).resolves.toMatchObject({ result: 'created' });
    scope.done();
  });

  it('fails with the typed error of a refused token, and never posts', async () => {
    const scope = pipedriveApi()
      .get('/v1/webhooks')
      .reply(401, { success: false, error: 'unauthorized access', errorCode: 401, error_info: 'Please check developers.pipedrive.com' });
    await expect(register()).rejects.toBeInstanceOf(CrmUnauthorizedError);
    scope.done();
  });
});
