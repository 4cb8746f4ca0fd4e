// Registers Dealbot's deal webhook with Pipedrive at start, when it is missing: `GET /v1/webhooks`
// (10 tokens), and only when no version 2.0 webhook already points at the subscription URL,
// `POST /v1/webhooks` for every action on deals, with the HTTP basic auth Dealbot checks. The
// same transport as the adapter (token header, redaction, error mapping); a POST is never
// retried, so one start never registers two.

import { z } from 'zod';
import { createHttpClient, transportOptionsOf, type HttpTransportOptions } from '../http/http-client.js';
import { DEFAULT_PIPEDRIVE_BASE_URL } from './pipedrive-client.js';
import { mapPipedriveError } from './pipedrive-errors.js';
import { PIPEDRIVE } from './pipedrive-mapping.js';
import { id, listOf, optionalString } from './schemas.js';

export const WEBHOOK_NAME = 'Dealbot deal alerts';

export interface PipedriveWebhookRegistration extends HttpTransportOptions {
  apiToken: string;
  /** Without `/v1`. Default `https://api.pipedrive.com`. */
  baseUrl?: string;
  /** Where v1 is served, when not at `{baseUrl}/v1`. */
  v1BaseUrl?: string;
  /** `${PUBLIC_URL}/webhooks/pipedrive`. */
  subscriptionUrl: string;
  user: string;
  password: string;
}

const webhookSchema = z.object({
  id,
  subscription_url: optionalString,
  version: optionalString,
  event_action: optionalString,
  event_object: optionalString,
});
const webhookListSchema = z.object({ success: z.boolean().optional(), data: listOf(webhookSchema) });
const webhookCreatedSchema = z.object({ success: z.boolean().optional(), data: webhookSchema });

/** `exists`: a v2 webhook already points at the URL; `created`: registered now (its id). Throws the adapter's `CrmError`s. */
export async function ensurePipedriveWebhook(
  options: PipedriveWebhookRegistration,
): Promise<{ result: 'exists' | 'created'; webhookId: string }> {
  const root = (options.baseUrl ?? DEFAULT_PIPEDRIVE_BASE_URL).replace(/\/+$/, '');
  const v1 = createHttpClient({
    crm: PIPEDRIVE,
    baseUrl: options.v1BaseUrl ?? `${root}/v1`,
    headers: { 'x-api-token': options.apiToken },
    secretValues: [options.apiToken, options.password],
    mapError: mapPipedriveError,
    ...transportOptionsOf(options),
  });
  const listed = await v1.request({ method: 'GET', path: '/webhooks', schema: webhookListSchema });
  const existing = listed.data.find(
    (hook) =>
      hook.subscription_url === options.subscriptionUrl &&
      hook.version === '2.0' &&
      (hook.event_object === 'deal' || hook.event_object === '*') &&
      (hook.event_action === '*' || hook.event_action === null),
  );
  if (existing) return { result: 'exists', webhookId: existing.id };
  const created = await v1.request({
    method: 'POST',
    path: '/webhooks',
    body: {
      subscription_url: options.subscriptionUrl,
      event_action: '*',
      event_object: 'deal',
      version: '2.0',
      name: WEBHOOK_NAME,
      http_auth_user: options.user,
      http_auth_password: options.password,
    },
    schema: webhookCreatedSchema,
  });
  return { result: 'created', webhookId: created.data.id };
}
