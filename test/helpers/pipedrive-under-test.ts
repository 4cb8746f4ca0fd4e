// The Pipedrive adapter as its unit tests build it: Pipedrive's public host behind nock, a
// token every request must carry (a scope made with `pipedriveApi()` matches nothing
// without it), the company domain given so no `users/me` look-up is made, and the pauses
// between retries recorded rather than slept.

import nock from 'nock';
import { createPipedriveClient, type PipedriveClientOptions } from '../../src/crm/pipedrive/pipedrive-client.js';
import type { CrmClient } from '../../src/crm/port.js';

export const PIPEDRIVE_API = 'https://api.pipedrive.com';
export const PIPEDRIVE_TOKEN = 'pd_0123456789abcdef0123456789abcdef';

/** A nock scope on Pipedrive's host that only matches requests carrying the token header. */
export const pipedriveApi = (): nock.Scope => nock(PIPEDRIVE_API, { reqheaders: { 'x-api-token': PIPEDRIVE_TOKEN } });

/** The adapter with the test token and company domain; the waits it asks for go into `waits`. */
export function createPipedriveUnderTest(waits: number[], options: Partial<PipedriveClientOptions> = {}): CrmClient {
  return createPipedriveClient({
    apiToken: PIPEDRIVE_TOKEN,
    companyDomain: 'acme',
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });
}
