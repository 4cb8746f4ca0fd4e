// What each command costs the Pipedrive account, counted where Pipedrive would count it: at
// the HTTP boundary of the fake, in requests and in tokens (each operation's `x-token-cost`
// in Pipedrive's OpenAPI specs). Every command runs through the real app with a signed
// request, first with a cold cache (a fresh store and adapter), then warm (the same
// command on another deal right after), and is measured once its reply reached Slack and
// Pipedrive has gone quiet. Each command is set beside its floor: the fewest requests that
// could give the same answer with a warm cache.

import { DateTime } from 'luxon';
import type { FakeDeal, FakePipedrive } from './support/fake-pipedrive-server.js';
import { startDealbotOverHttp, type DealbotOverHttp } from './support/dealbot-over-http.js';
import { listFloors } from './list-floors.js';

export interface Spend {
  requests: number;
  tokens: number;
  /** `GET /api/v2/deals/{id} ×2, …` */
  detail: string;
}

export interface BudgetRow {
  command: string;
  cold: Spend;
  warm: Spend;
  floor: { requests: number; tokens: number; why: string };
}

/** The fake's account facts the floors are computed from. */
interface Account {
  pd: FakePipedrive;
  monthStart: number;
}

interface CommandCase {
  name: string;
  command: '/deal' | '/pipeline';
  /** The command text for the n-th run (0 cold, 1 warm); runs never share a deal. */
  text: (deal: FakeDeal, run: number) => string;
  floor: (account: Account, deal: FakeDeal) => { requests: number; tokens: number; why: string };
}

const parties = (deal: FakeDeal): number => (deal.orgId ? 1 : 0) + (deal.personId ? 1 : 0);

/** One deal read with its organization and person named (1 token each). */
const readOne = (deal: FakeDeal) => ({ requests: 1 + parties(deal), tokens: 1 + parties(deal) });

/** A write the service checks first (current stage or status), answered with a card. */
const readAndWrite = (deal: FakeDeal) => ({
  requests: readOne(deal).requests + 1,
  tokens: readOne(deal).tokens + 5,
  why: 'GET deal + parties + PATCH',
});

const CASES: CommandCase[] = [
  {
    name: 'show <id>',
    command: '/deal',
    text: (deal) => String(deal.id),
    floor: (_a, deal) => ({ ...readOne(deal), why: 'GET deal + org + person' }),
  },
  {
    name: 'find <words>',
    command: '/deal',
    text: (_d, run) => `find ${run === 0 ? 'acme' : 'globex'}`,
    floor: () => ({ requests: 1, tokens: 20, why: 'one search' }),
  },
  {
    name: 'new <line>',
    command: '/deal',
    text: (_d, run) => `new Budget Bench ${run} 5k EUR`,
    floor: () => ({ requests: 1, tokens: 5, why: 'one POST' }),
  },
  {
    name: 'move <id> to <stage>',
    command: '/deal',
    text: (deal) => `move ${deal.id} to Proposal`,
    floor: (_a, deal) => readAndWrite(deal),
  },
  {
    name: 'won <id>',
    command: '/deal',
    text: (deal) => `won ${deal.id}`,
    floor: (_a, deal) => readAndWrite(deal),
  },
  {
    name: 'lost <id> because …',
    command: '/deal',
    text: (deal) => `lost ${deal.id} because no budget`,
    floor: (_a, deal) => readAndWrite(deal),
  },
  {
    name: 'timeline <id>',
    command: '/deal',
    text: (deal) => `timeline ${deal.id}`,
    floor: (_a, deal) => ({
      requests: readOne(deal).requests + 1,
      tokens: readOne(deal).tokens + 40,
      why: 'GET deal + parties + one flow page',
    }),
  },
  {
    name: 'board (/pipeline)',
    command: '/pipeline',
    text: () => '',
    floor: ({ pd, monthStart }) => {
      const { pages, why } = listFloors(pd, 1, monthStart).board;
      return { requests: pages, tokens: pages * 10, why };
    },
  },
  {
    name: 'timeline summary',
    command: '/pipeline',
    text: () => 'timeline',
    floor: ({ pd, monthStart }) => {
      const { pages, why } = listFloors(pd, 1, monthStart).summary;
      return { requests: pages, tokens: pages * 10, why };
    },
  },
];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function quiet(pd: FakePipedrive, app: DealbotOverHttp): Promise<void> {
  let seen = -1;
  let since = Date.now();
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const activity = pd.ledger.entries.length + app.standin.calls.length;
    if (activity !== seen || pd.inFlight() > 0 || app.standin.inFlight() > 0) {
      seen = activity;
      since = Date.now();
    } else if (Date.now() - since >= 150) return;
    await sleep(20);
  }
}

async function spend(pd: FakePipedrive): Promise<Spend> {
  const summary = await pd.ledger.summary();
  return {
    requests: summary.reduce((sum, t) => sum + t.requests, 0),
    tokens: summary.reduce((sum, t) => sum + (t.tokens ?? 0), 0),
    detail: summary.map((t) => `${t.endpoint.replace('/api/v2', '')} ×${t.requests}`).join(', '),
  };
}

export async function measureCrmBudget(pd: FakePipedrive, log: (line: string) => void = () => undefined): Promise<BudgetRow[]> {
  // Deals with both an organization and a person, open, in the first stage: every command applies.
  const targets = pd.findDeals(
    (d) => d.status === 'open' && d.pipelineId === 1 && d.stageId === 1 && d.orgId !== null && d.personId !== null,
  );
  let used = 0;
  const nextTarget = (): FakeDeal => {
    const deal = targets[used++];
    if (!deal) throw new Error('the fake has too few open deals for the budget run');
    return deal;
  };
  const account: Account = { pd, monthStart: DateTime.now().setZone('Europe/Berlin').startOf('month').toMillis() };
  const rows: BudgetRow[] = [];

  for (const c of CASES) {
    const app = await startDealbotOverHttp({ pipedrive: pd });
    try {
      const runs: Spend[] = [];
      let floorDeal: FakeDeal | null = null;
      for (const run of [0, 1]) {
        const deal = nextTarget();
        if (run === 1) floorDeal = deal;
        await quiet(pd, app);
        pd.ledger.reset();
        const sent = await app.slash(c.text(deal, run), { command: c.command });
        if (sent.status !== 200) throw new Error(`${c.name}: the receiver answered ${sent.status}`);
        await app.reply(sent, 30_000);
        await quiet(pd, app);
        runs.push(await spend(pd));
      }
      const row: BudgetRow = { command: c.name, cold: runs[0]!, warm: runs[1]!, floor: c.floor(account, floorDeal!) };
      rows.push(row);
      log(`  budget ${c.name}: cold ${row.cold.tokens} tokens, warm ${row.warm.tokens}, floor ${row.floor.tokens}`);
    } finally {
      await app.close();
    }
  }
  return rows;
}
