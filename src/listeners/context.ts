// What every listener finds in Bolt's context, put there by the global middleware in
// `app.ts`: the CRM client for the workspace and the services built on it. A later
// multi-workspace install only changes how `crmForTeam` picks the client.

import type { DateTime } from 'luxon';
import type { CrmClient } from '../crm/port.js';
import type { Scheduler } from '../runtime/scheduler.js';
import type { DealService } from '../services/deal-service.js';
import type { SlackPeople } from '../services/slack-people.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';

export interface DealbotContext {
  [key: string]: unknown;
  crm: CrmClient;
  deals: DealService;
  people: SlackPeople;
  store: Store;
  now: () => DateTime;
  /** The digest scheduler; null where digests are not running (some tests). */
  digests: Scheduler | null;
  /** For what a flow handles itself and goes on (a fallback, a step that may fail): never swallowed without a line. */
  logger: Logger;
}
