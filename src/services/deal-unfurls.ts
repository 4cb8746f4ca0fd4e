// Deal links pasted in Slack, turned into the deals they point at (for `chat.unfurl`). Only
// links of this deployment's CRM are read, on the domains it unfurls (`UNFURL_DOMAINS`), and
// a link counts only when the deal's own url is the same page: a Pipedrive link of another
// company with the same deal number is not our deal and shows nothing. A link that cannot be
// read (unknown deal, the CRM down) is left to Slack's plain preview, never answered with an
// error in the channel; the failures are returned for the log.

import type { CrmClient, Deal, Pipeline, Stage, User } from '../crm/port.js';
import { CrmNotFoundError } from '../errors.js';
import { onDomain, readDealLink, sameDealPage } from '../parse/deal-link.js';

/** Slack sends a message's links in one event; a message of many links unfurls its first few. */
export const MAX_UNFURLS_PER_MESSAGE = 5;

export interface UnfurledDeal {
  url: string;
  deal: Deal;
  stage: Stage | null;
  pipeline: Pipeline | null;
  owner: User | null;
}

export interface DealUnfurls {
  unfurled: UnfurledDeal[];
  /** Links of this CRM whose deal could not be read (not found excluded): for the log. */
  failed: Array<{ url: string; error: unknown }>;
}

export async function unfurlDealLinks(
  crm: Pick<CrmClient, 'provider' | 'getDeal' | 'listStages' | 'listPipelines' | 'listUsers'>,
  links: ReadonlyArray<{ url: string; domain?: string }>,
  domains: readonly string[],
): Promise<DealUnfurls> {
  const wanted: Array<{ url: string; dealId: string }> = [];
  for (const { url } of links) {
    if (wanted.length >= MAX_UNFURLS_PER_MESSAGE) break;
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch {
      continue;
    }
    if (!domains.some((d) => onDomain(host, d))) continue;
    const link = readDealLink(url);
    if (!link || (link.provider !== null && link.provider !== crm.provider)) continue;
    if (!wanted.some((w) => w.url === url)) wanted.push({ url, dealId: link.dealId });
  }
  if (wanted.length === 0) return { unfurled: [], failed: [] };

  const failed: DealUnfurls['failed'] = [];
  const deals = await Promise.all(
    wanted.map(async ({ url, dealId }) => {
      try {
        const deal = await crm.getDeal(dealId);
        // Our deal only when its own page is the one pasted (same company, same organization).
        return deal.url !== null && sameDealPage(deal.url, url) ? { url, deal } : null;
      } catch (error) {
        if (!(error instanceof CrmNotFoundError)) failed.push({ url, error });
        return null;
      }
    }),
  );
  const found = deals.filter((d): d is { url: string; deal: Deal } => d !== null);
  if (found.length === 0) return { unfurled: [], failed };
  const [stages, pipelines, users] = await Promise.all([crm.listStages(), crm.listPipelines(), crm.listUsers()]);
  return {
    unfurled: found.map(({ url, deal }) => ({
      url,
      deal,
      stage: stages.find((s) => s.id === deal.stageId) ?? null,
      pipeline: pipelines.find((p) => p.id === deal.pipelineId) ?? null,
      owner: users.find((u) => u.id === deal.ownerId) ?? null,
    })),
    failed,
  };
}
