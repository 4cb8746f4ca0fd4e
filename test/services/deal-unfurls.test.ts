import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { CrmNotFoundError, CrmUnavailableError } from '../../src/errors.js';
import { MAX_UNFURLS_PER_MESSAGE, unfurlDealLinks } from '../../src/services/deal-unfurls.js';
import { buildDeal } from '../helpers/deal-builder.js';
import { stubCrm } from '../helpers/stub-crm.js';

const at = DateTime.fromISO('2026-12-01T10:00:00Z');
const DOMAINS = ['pipedrive.com', 'productive.io'];

function crm(read: string[]) {
  return stubCrm('unfurlDealLinks', {
    provider: 'pipedrive',
    getDeal: async (id) => {
      read.push(id);
      if (id === '500') throw new CrmUnavailableError('server_error', { crm: 'Pipedrive' });
      if (Number(id) > 100) throw new CrmNotFoundError('deal', id, { crm: 'Pipedrive' });
      return buildDeal({ id, url: `https://acme.pipedrive.com/deal/${id}`, createdAt: at, updatedAt: at });
    },
    listStages: async () => [],
    listPipelines: async () => [],
    listUsers: async () => [],
  });
}

describe('unfurlDealLinks', () => {
  it('reads only links of this CRM on the listed domains, each deal once per link', async () => {
    const read: string[] = [];
    const result = await unfurlDealLinks(
      crm(read),
      [
        { url: 'https://acme.pipedrive.com/deal/1' },
        { url: 'https://acme.pipedrive.com/deal/1' },
        { url: 'https://app.productive.io/1-x/deals/2' },
        { url: 'https://example.com/deal/3' },
      ],
      DOMAINS,
    );
    expect(result.unfurled.map((u) => u.url)).toEqual(['https://acme.pipedrive.com/deal/1']);
    expect(read).toEqual(['1']);
  });

  it('asks nothing of the CRM for a domain the deployment does not unfurl', async () => {
    const read: string[] = [];
    const result = await unfurlDealLinks(crm(read), [{ url: 'https://acme.pipedrive.com/deal/1' }], ['productive.io']);
    expect(result).toEqual({ unfurled: [], failed: [] });
    expect(read).toEqual([]);
  });

  it('shows nothing for another company’s deal, an unknown deal, or a CRM that does not answer, and reports the outage', async () => {
    const read: string[] = [];
    const result = await unfurlDealLinks(
      crm(read),
      [
        { url: 'https://globex.pipedrive.com/deal/1' },
        { url: 'https://acme.pipedrive.com/deal/404' },
        { url: 'https://acme.pipedrive.com/deal/500' },
      ],
      DOMAINS,
    );
    expect(result.unfurled).toEqual([]);
    expect(result.failed.map((f) => f.url)).toEqual(['https://acme.pipedrive.com/deal/500']);
  });

  it('unfurls at most a few links of one message', async () => {
    const read: string[] = [];
    const urls = Array.from({ length: 12 }, (_, i) => ({ url: `https://acme.pipedrive.com/deal/${i + 1}` }));
    const result = await unfurlDealLinks(crm(read), urls, DOMAINS);
    expect(result.unfurled).toHaveLength(MAX_UNFURLS_PER_MESSAGE);
    expect(read).toHaveLength(MAX_UNFURLS_PER_MESSAGE);
  });
});
