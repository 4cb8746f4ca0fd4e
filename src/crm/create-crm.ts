// Picks the CRM adapter the configuration names and wraps remote ones in the cache, so
// stages, pipelines and users cost the CRM one request per TTL, not one per command. CRMs
// that keep no deal history (Productive, PipelineDeals) are also wrapped in the journal, so
// the timeline shows the changes Dealbot made instead of nothing. Only the configured adapter
// is loaded (each remote one brings its zod schemas: a few MB resident that the others need not pay).

import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { HttpTransportOptions } from './http/http-client.js';
import type { Store } from '../store/store.js';
import { createCachedCrm } from './cached-crm.js';
import { createJournaledCrm } from './journaled-crm.js';
import { createLocalCrm } from './local/local-crm.js';
import { ensureSeeded } from './local/seed.js';
import type { CrmClient } from './port.js';
import type { PersonalCrms } from '../services/personal-credentials.js';

/** A cache namespace that tells accounts apart without ever storing the credential. */
function accountNamespace(provider: string, ...parts: string[]): string {
  return `${provider}:${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 16)}`;
}

/** What every remote adapter's HTTP client is also given (the metrics' `onExchange`). */
export type CrmTransport = Pick<HttpTransportOptions, 'onExchange'>;

export async function createCrm(config: Config, store: Store, logger: Logger, transport: CrmTransport = {}): Promise<CrmClient> {
  switch (config.crmProvider) {
    case 'local': {
      const crm = createLocalCrm({ store });
      await ensureSeeded(crm, store);
      return crm;
    }
    case 'pipedrive': {
      const pd = config.pipedrive;
      if (!pd) throw new ConfigError(['PIPEDRIVE_API_TOKEN is required when CRM_PROVIDER=pipedrive']);
      const { createPipedriveClient } = await import('./pipedrive/pipedrive-client.js');
      const client = createPipedriveClient({ apiToken: pd.apiToken, baseUrl: pd.baseUrl, apiVersion: pd.apiVersion, logger, ...transport });
      return createCachedCrm(client, store, { namespace: accountNamespace('pipedrive', pd.apiVersion, pd.baseUrl, pd.apiToken), logger });
    }
    case 'pipelinedeals': {
      const pld = config.pipelinedeals;
      if (!pld) throw new ConfigError(['PIPELINEDEALS_API_KEY is required when CRM_PROVIDER=pipelinedeals']);
      const { createPipelineDealsClient } = await import('./pipelinedeals/pipelinedeals-client.js');
      const client = createPipelineDealsClient({ apiKey: pld.apiKey, baseUrl: pld.baseUrl, logger, ...transport });
      const namespace = accountNamespace('pipelinedeals', pld.baseUrl, pld.apiKey);
      return createJournaledCrm(createCachedCrm(client, store, { namespace, logger }), store, { namespace, logger });
    }
    case 'productive': {
      const pr = config.productive;
      if (!pr) throw new ConfigError(['PRODUCTIVE_API_TOKEN and PRODUCTIVE_ORG_ID are required when CRM_PROVIDER=productive']);
      const namespace = accountNamespace('productive', pr.baseUrl, pr.orgId, pr.apiToken);
      const { createProductiveClient } = await import('./productive/productive-client.js');
      // The stage a won or lost deal came from is kept in the store, so reopen works on any replica.
      const client = createProductiveClient({
        apiToken: pr.apiToken,
        organizationId: pr.orgId,
        baseUrl: pr.baseUrl,
        logger,
        ...transport,
        reopenStore: { store, namespace },
      });
      return createJournaledCrm(createCachedCrm(client, store, { namespace, logger }), store, { namespace, logger });
    }
  }
}

/**
 * Clients acting with a person's own CRM credential (`/deal connect`), for their writes, so the
 * CRM's own history names them. A personal client shares the shared client's account caches
 * (stages, users: the same account) and its journal (one timeline per deal), so it costs the
 * CRM only the writes themselves. Built once per credential and kept a few minutes.
 */
export type { PersonalCrms };

/** How long a person's client is kept after its last use. */
export const PERSONAL_CLIENT_TTL_MS = 5 * 60_000;
const PERSONAL_CLIENTS_KEPT = 500;

/** Null for the embedded CRM: it has no credentials, and every member is already its own user there. */
export async function createPersonalCrms(
  config: Config,
  store: Store,
  logger: Logger,
  transport: CrmTransport = {},
  options: { ttlMs?: number; now?: () => number } = {},
): Promise<PersonalCrms | null> {
  const ttlMs = options.ttlMs ?? PERSONAL_CLIENT_TTL_MS;
  const now = options.now ?? Date.now;
  let raw: (secret: string) => CrmClient;
  let namespace: string;
  let journaled: boolean;
  switch (config.crmProvider) {
    case 'local':
      return null;
    case 'pipedrive': {
      const pd = config.pipedrive;
      if (!pd) throw new ConfigError(['PIPEDRIVE_API_TOKEN is required when CRM_PROVIDER=pipedrive']);
      const { createPipedriveClient } = await import('./pipedrive/pipedrive-client.js');
      namespace = accountNamespace('pipedrive', pd.apiVersion, pd.baseUrl, pd.apiToken);
      journaled = false;
      raw = (secret) => createPipedriveClient({ apiToken: secret, baseUrl: pd.baseUrl, apiVersion: pd.apiVersion, logger, ...transport });
      break;
    }
    case 'pipelinedeals': {
      const pld = config.pipelinedeals;
      if (!pld) throw new ConfigError(['PIPELINEDEALS_API_KEY is required when CRM_PROVIDER=pipelinedeals']);
      const { createPipelineDealsClient } = await import('./pipelinedeals/pipelinedeals-client.js');
      namespace = accountNamespace('pipelinedeals', pld.baseUrl, pld.apiKey);
      journaled = true;
      raw = (secret) => createPipelineDealsClient({ apiKey: secret, baseUrl: pld.baseUrl, logger, ...transport });
      break;
    }
    case 'productive': {
      const pr = config.productive;
      if (!pr) throw new ConfigError(['PRODUCTIVE_API_TOKEN and PRODUCTIVE_ORG_ID are required when CRM_PROVIDER=productive']);
      const { createProductiveClient } = await import('./productive/productive-client.js');
      const shared = accountNamespace('productive', pr.baseUrl, pr.orgId, pr.apiToken);
      namespace = shared;
      journaled = true;
      raw = (secret) =>
        createProductiveClient({
          apiToken: secret,
          organizationId: pr.orgId,
          baseUrl: pr.baseUrl,
          logger,
          ...transport,
          reopenStore: { store, namespace: shared },
        });
      break;
    }
  }

  const kept = new Map<string, { client: CrmClient; until: number }>();
  return {
    withCredential(secret) {
      // Keyed by a digest: the map never holds the credential as a key.
      const id = createHash('sha256').update(secret).digest('hex');
      const at = now();
      const hit = kept.get(id);
      if (hit && hit.until > at) {
        hit.until = at + ttlMs;
        return hit.client;
      }
      if (kept.size >= PERSONAL_CLIENTS_KEPT) {
        for (const [key, entry] of kept) if (entry.until <= at) kept.delete(key);
        if (kept.size >= PERSONAL_CLIENTS_KEPT) kept.clear();
      }
      const cached = createCachedCrm(raw(secret), store, { namespace, logger });
      const client = journaled ? createJournaledCrm(cached, store, { namespace, logger }) : cached;
      kept.set(id, { client, until: at + ttlMs });
      return client;
    },
    async whoAmI(secret) {
      const client = raw(secret);
      if (!client.whoAmI) throw new ConfigError([`${client.displayName} cannot tell whose credential this is`]);
      return client.whoAmI();
    },
  };
}
