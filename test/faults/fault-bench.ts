// What each fault suite stands on: the fake Pipedrive with a few hundred deals, the real app
// over HTTP in front of it (its reference-data cache warmed, so each fault meets the request
// under test), a supply of open deals no test has touched (a fault must not meet a deal an
// earlier one left half-changed), and the check every fault ends with: once the fault is
// over the app still answers the next request, and the fault is reported with that.

import { expect } from 'vitest';
import { startFakePipedrive, type FakeDeal, type FakePipedrive } from '../../bench/support/fake-pipedrive-server.js';
import {
  replyText,
  startDealbotOverHttp,
  type DealbotOverHttp,
  type DealbotOverHttpOptions,
} from '../../bench/support/dealbot-over-http.js';
import type { FaultOutcome, FaultReport } from './fault-report.js';

export interface FaultBenchOptions extends Omit<DealbotOverHttpOptions, 'pipedrive'> {
  /** How many deals the fake holds, and the seed it draws them from. */
  deals: number;
  seed: number;
  /** How many open deals the tests may use up, one each at most. */
  openDeals: number;
}

export interface FaultBench {
  pd: FakePipedrive;
  app: DealbotOverHttp;
  /** A deal no test has touched yet, open. */
  freshOpenDeal(): FakeDeal;
  /** Whether the app still shows a card for an untouched deal. */
  answersNextRequest(): Promise<boolean>;
  /** Checks that the app answers the next request (the fault over), then reports the fault with that. */
  reportRecovered(outcome: Omit<FaultOutcome, 'nextRequestAnswered'>): Promise<void>;
  /** Prints the report and stops the app and the fake. */
  close(): Promise<void>;
}

export async function startFaultBench(report: FaultReport, options: FaultBenchOptions): Promise<FaultBench> {
  const { deals, seed, openDeals: wanted, ...appOptions } = options;
  const pd = await startFakePipedrive({ deals, seed });
  let app: DealbotOverHttp;
  try {
    app = await startDealbotOverHttp({ pipedrive: pd, ...appOptions });
  } catch (error) {
    await pd.close();
    throw error;
  }
  const openDeals = pd.findDeals((d) => d.status === 'open', wanted);
  let nextOpen = 0;

  function freshOpenDeal(): FakeDeal {
    const deal = openDeals[nextOpen++];
    if (!deal) throw new Error('the fake ran out of open deals');
    return deal;
  }

  async function answersNextRequest(): Promise<boolean> {
    const deal = freshOpenDeal();
    const reply = await app.reply(await app.slash(String(deal.id)));
    return replyText(reply).includes(deal.title);
  }

  await app.reply(await app.slash(String(freshOpenDeal().id)));

  return {
    pd,
    app,
    freshOpenDeal,
    answersNextRequest,
    async reportRecovered(outcome) {
      const next = await answersNextRequest();
      expect(next).toBe(true);
      report.add({ ...outcome, nextRequestAnswered: next });
    },
    async close() {
      report.print();
      await app.close();
      await pd.close();
    },
  };
}
