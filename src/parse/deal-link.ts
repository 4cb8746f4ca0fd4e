// Deal links as people paste them, read back into which CRM, which account and which deal:
//
//   Pipedrive      https://<company>.pipedrive.com/deal/<id>
//   Productive     https://app.productive.io/<org id>[-<org slug>]/deals/<id>  (also …/deals/deal/<id>)
//   PipelineDeals  https://app.pipelinecrm.com/deals/<id>, https://app.pipelinedeals.com/deals/<id>
//
// The shapes are the ones the adapters write on `Deal.url` (`crm/*/…-mapping.ts` `dealUrl`)
// and the ones the vendors' web apps show (Productive's address bar carries the organization
// id and its slug, `/12345-acme/…`). The embedded CRM has no web pages, so no links. A link
// on another domain the deployment listed (a Pipedrive-compatible server, a proxy) is read
// by its path alone (`/deal/<id>`, `/deals/<id>`), for the use case to hold against the
// deal's own url. Pure and total: anything else is null.

import type { CrmProvider } from '../crm/port.js';

export interface DealLink {
  /** Null: a listed domain no known CRM lives on; the deal's own url decides. */
  provider: Exclude<CrmProvider, 'local'> | null;
  dealId: string;
  /** Whose deal: Pipedrive's company subdomain, Productive's organization id; null where the URL does not say. */
  account: string | null;
}

/** The domains `manifest.yml` registers for unfurling by default (Slack also sends their subdomains). */
export const DEFAULT_UNFURL_DOMAINS = ['pipedrive.com', 'productive.io', 'pipelinecrm.com', 'pipelinedeals.com'] as const;

const ID = /^\d{1,18}$/;

/** `host` is `domain` or one of its subdomains. */
export function onDomain(host: string, domain: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const d = domain.toLowerCase().replace(/^\*\./, '').replace(/\.$/, '');
  return h === d || h.endsWith(`.${d}`);
}

/** The deal a URL points at, or null when it is no deal link Dealbot knows. */
export function readDealLink(url: string): DealLink | null {
  let parsed: URL;
  try {
    parsed = new URL(String(url).trim());
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  const host = parsed.hostname.toLowerCase();
  const segments = parsed.pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeSegment(s));

  if (onDomain(host, 'pipedrive.com')) {
    const company = host.slice(0, -'.pipedrive.com'.length);
    if (company === '' || company.includes('.') || ['www', 'api', 'app', 'developers'].includes(company)) return null;
    if (segments[0] !== 'deal' || !ID.test(segments[1] ?? '')) return null;
    return { provider: 'pipedrive', dealId: segments[1] as string, account: company };
  }
  if (host === 'app.productive.io') {
    const org = /^(\d{1,12})(?:-[\w-]*)?$/.exec(segments[0] ?? '')?.[1];
    if (org === undefined || segments[1] !== 'deals') return null;
    const id = segments[2] === 'deal' ? segments[3] : segments[2];
    return id !== undefined && ID.test(id) ? { provider: 'productive', dealId: id, account: org } : null;
  }
  if (['app.pipelinecrm.com', 'app.pipelinedeals.com', 'www.pipelinedeals.com'].includes(host)) {
    return segments[0] === 'deals' && ID.test(segments[1] ?? '')
      ? { provider: 'pipelinedeals', dealId: segments[1] as string, account: null }
      : null;
  }
  // Any other host: the path alone; the caller only asks for hosts the deployment listed.
  const at = segments.findIndex((s) => s === 'deal' || s === 'deals');
  const id = at >= 0 ? segments[at + 1] : undefined;
  return id !== undefined && ID.test(id) && segments.length === at + 2 ? { provider: null, dealId: id, account: null } : null;
}

/** Whether two URLs point at the same page: scheme, host and path (no query, no trailing slash). */
export function sameDealPage(a: string, b: string): boolean {
  const key = (url: string): string | null => {
    try {
      const u = new URL(url);
      return `${u.hostname.toLowerCase()}${u.pathname.replace(/\/+$/, '')}`;
    } catch {
      return null;
    }
  };
  const ka = key(a);
  return ka !== null && ka === key(b);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
