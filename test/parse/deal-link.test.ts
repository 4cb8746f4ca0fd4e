import { describe, expect, it } from 'vitest';
import { onDomain, readDealLink, sameDealPage } from '../../src/parse/deal-link.js';
import { dealUrl as pipedriveDealUrl } from '../../src/crm/pipedrive/pipedrive-mapping.js';
import { dealUrl as productiveDealUrl } from '../../src/crm/productive/productive-mapping.js';
import {
  DEFAULT_APP_URL as PIPELINEDEALS_APP_URL,
  dealUrl as pipelineDealsDealUrl,
} from '../../src/crm/pipelinedeals/pipelinedeals-mapping.js';

describe('readDealLink', () => {
  it('reads the links each adapter writes on Deal.url', () => {
    expect(readDealLink(pipedriveDealUrl('acme', '42') ?? '')).toEqual({ provider: 'pipedrive', dealId: '42', account: 'acme' });
    expect(readDealLink(productiveDealUrl('https://app.productive.io/12345', '987'))).toEqual({
      provider: 'productive',
      dealId: '987',
      account: '12345',
    });
    expect(readDealLink(pipelineDealsDealUrl(PIPELINEDEALS_APP_URL, '555'))).toEqual({
      provider: 'pipelinedeals',
      dealId: '555',
      account: null,
    });
  });

  it('reads links as the vendors’ web apps show them', () => {
    // Productive's address bar carries the organization id and its slug (`/17342-nexxar-gmbh/…`).
    expect(readDealLink('https://app.productive.io/17342-nexxar-gmbh/deals/123456')).toMatchObject({ dealId: '123456', account: '17342' });
    expect(readDealLink('https://app.productive.io/17342-nexxar-gmbh/deals/deal/123456')).toMatchObject({ dealId: '123456' });
    expect(readDealLink('https://acme.pipedrive.com/deal/42?tab=activities')).toMatchObject({ dealId: '42' });
    expect(readDealLink('https://app.pipelinedeals.com/deals/555')).toMatchObject({ provider: 'pipelinedeals', dealId: '555' });
  });

  it('refuses what is no deal link', () => {
    expect(readDealLink('https://acme.pipedrive.com/person/42')).toBeNull();
    expect(readDealLink('https://www.pipedrive.com/deal/42')).toBeNull();
    expect(readDealLink('https://app.productive.io/17342-nexxar-gmbh/tasks/14715107')).toBeNull();
    expect(readDealLink('https://app.pipelinecrm.com/people/5')).toBeNull();
    expect(readDealLink('ftp://acme.pipedrive.com/deal/42')).toBeNull();
    expect(readDealLink('not a url')).toBeNull();
    expect(readDealLink('https://acme.pipedrive.com/deal/abc')).toBeNull();
  });

  it('reads other listed hosts by their path alone', () => {
    expect(readDealLink('https://crm.example.org/deals/77')).toEqual({ provider: null, dealId: '77', account: null });
    expect(readDealLink('https://crm.example.org/deals/77/edit')).toBeNull();
  });

  it('tells domains, subdomains and pages apart', () => {
    expect(onDomain('acme.pipedrive.com', 'pipedrive.com')).toBe(true);
    expect(onDomain('pipedrive.com.evil.io', 'pipedrive.com')).toBe(false);
    expect(onDomain('notpipedrive.com', 'pipedrive.com')).toBe(false);
    expect(sameDealPage('https://acme.pipedrive.com/deal/42', 'https://ACME.pipedrive.com/deal/42/?tab=x')).toBe(true);
    expect(sameDealPage('https://acme.pipedrive.com/deal/42', 'https://globex.pipedrive.com/deal/42')).toBe(false);
  });
});
