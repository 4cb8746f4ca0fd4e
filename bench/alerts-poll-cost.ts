// What the alerts' poll costs a Pipedrive account, counted where Pipedrive counts it: at the
// HTTP boundary of the fake (requests, and tokens from each operation's `x-token-cost` in
// Pipedrive's OpenAPI specs). The real adapter and the real deal watch, on a memory store:
// the first poll (reads every deal once, announces nothing), idle polls, and a poll after
// deals were won in between. The cost per day is the idle poll's at the default interval.
//
//   npx tsx bench/alerts-poll-cost.ts [deals]

import { DateTime } from 'luxon';
import { fileURLToPath } from 'node:url';
import { createPipedriveClient } from '../src/crm/pipedrive/pipedrive-client.js';
import type { DealEvent } from '../src/domain/deal-events.js';
import { createLogger } from '../src/logger.js';
import { createDealWatch } from '../src/services/deal-watch.js';
import { createStore } from '../src/store/create-store.js';
import { scopeStore } from '../src/store/scoped-store.js';
import { startFakePipedrive } from './support/fake-pipedrive-server.js';

export interface PollCostRow {
  poll: string;
  requests: number;
  tokens: number;
  events: number;
}

export interface PollCostResult {
  deals: number;
  rows: PollCostRow[];
  /** At CRM_POLL_SECONDS=60, with nothing changing. */
  idlePerDay: { requests: number; tokens: number };
}

export async function measureAlertsPollCost(dealCount = 10_000, pollSeconds = 60): Promise<PollCostResult> {
  const pd = await startFakePipedrive({ deals: dealCount, seed: 15 });
  const store = await createStore('memory://');
  try {
    const crm = createPipedriveClient({ apiToken: pd.apiToken, baseUrl: pd.url, companyDomain: 'bench' });
    const events: DealEvent[] = [];
    const watch = createDealWatch({
      crm,
      store: scopeStore(store, 'bench'),
      now: () => DateTime.utc(),
      logger: createLogger('silent'),
      onEvents: (batch) => {
        events.push(...batch);
      },
      instanceId: 'bench',
      pollSeconds,
    });
    const rows: PollCostRow[] = [];
    const measure = async (poll: string, run: () => Promise<unknown>): Promise<PollCostRow> => {
      pd.ledger.reset();
      const before = events.length;
      await run();
      const row = { poll, requests: pd.ledger.count(), tokens: await pd.ledger.tokens(), events: events.length - before };
      rows.push(row);
      return row;
    };

    await measure('first poll (every deal read, nothing announced)', () => watch.pollOnce());
    const idle = await measure('idle poll', () => watch.pollOnce());
    await measure('idle poll again', () => watch.pollOnce());
    const open = pd.findDeals((deal) => deal.status === 'open', 5);
    // The wins are writes of the adapter (not counted: they are not the poll's cost).
    for (const deal of open) await crm.markWon(String(deal.id));
    await measure(`poll after ${open.length} deals were won`, () => watch.pollOnce());
    await measure('idle poll after that', () => watch.pollOnce());

    const perDay = (24 * 60 * 60) / pollSeconds;
    return { deals: dealCount, rows, idlePerDay: { requests: idle.requests * perDay, tokens: idle.tokens * perDay } };
  } finally {
    await store.close();
    await pd.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const deals = Number(process.argv[2] ?? 10_000);
  const result = await measureAlertsPollCost(deals);
  process.stdout.write(`ALERTS POLL on a fake Pipedrive of ${result.deals} deals (CRM_POLL_SECONDS=60)\n`);
  for (const row of result.rows) {
    process.stdout.write(
      `  ${row.poll.padEnd(50)} ${String(row.requests).padStart(4)} requests ${String(row.tokens).padStart(6)} tokens ${row.events} events\n`,
    );
  }
  process.stdout.write(`  idle, per day: ${result.idlePerDay.requests} requests, ${result.idlePerDay.tokens} tokens\n`);
}
