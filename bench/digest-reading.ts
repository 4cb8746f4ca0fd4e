// A digest's reading at 100, 10,000 and 100,000 deals: the Pipedrive budget it spends (from
// the fake's ledger) and, per build, time and peak memory (measured in bench/digest-reader.ts,
// a process of its own): the scheduled digest (src/services/pipeline-digest.ts) and, beside it,
// the `/pipeline` board, each cold.

import { DateTime } from 'luxon';
import { startFakePipedrive } from './support/fake-pipedrive-server.js';
import { forkBenchProcess } from './bench-process.js';
import { listFloors } from './list-floors.js';
import type { DigestReading, DigestStep } from './digest-reader.js';
import { START_FLAGS } from './bench-process.js';

/**
 * How the measured process runs: plain `node` on compiled JavaScript with V8's defaults; with
 * a small young generation and an old-generation ceiling (V8 otherwise lets the old
 * generation grow to ~4× what is live before collecting, and each 500-deal page leaves
 * ~0.4 MB of response text plus parsed objects behind); and with a full collection after each
 * page (--expose-gc), which shows what the build really holds.
 */
export const DIGEST_VARIANTS = {
  'node defaults': [],
  // As `npm start` runs it (package.json).
  'bounded heap': START_FLAGS,
  'gc each page': ['--expose-gc'],
} as const satisfies Record<string, readonly string[]>;
export type DigestVariant = keyof typeof DIGEST_VARIANTS;

export interface DigestRow extends DigestReading {
  variant: DigestVariant;
  accountDeals: number;
  /** Deals of the pipeline the step needs at the least (before the app's cap). */
  needed: number;
  requests: number;
  tokens: number;
  floorTokens: number;
  detail: string;
}

export async function measureDigestReading(
  sizes: number[] = [100, 10_000, 100_000],
  log: (line: string) => void = () => undefined,
  options: { variants?: DigestVariant[]; steps?: DigestStep[] } = {},
): Promise<DigestRow[]> {
  const variants = options.variants ?? (Object.keys(DIGEST_VARIANTS) as DigestVariant[]);
  const steps = options.steps ?? (['digest', 'board'] as const);
  const rows: DigestRow[] = [];
  for (const size of sizes) {
    const pd = await startFakePipedrive({ deals: size, seed: 42 });
    try {
      const monthStart = DateTime.now().setZone('Europe/Berlin').startOf('month').toMillis();
      const lists = listFloors(pd, 1, monthStart);
      const floors: Record<DigestStep, { needed: number; tokens: number }> = {
        // The digest reads what the board reads (the stage list, 5 tokens, cold; open deals; the
        // month's closed deals) plus the pipeline list (5) to find the pipeline by id.
        digest: { needed: lists.board.needed, tokens: 10 + 10 * lists.board.pages },
        board: { needed: lists.board.needed, tokens: 5 + 10 * lists.board.pages },
      };
      for (const step of steps)
        for (const variant of variants) {
          pd.ledger.reset();
          const reader = await forkBenchProcess<DigestReading>(
            './digest-reader.ts',
            { BENCH_STEP: step, BENCH_PIPEDRIVE_URL: pd.url, BENCH_PIPEDRIVE_TOKEN: pd.apiToken },
            { timeoutMs: 180_000, nodeFlags: [...DIGEST_VARIANTS[variant]] },
          );
          await reader.stop();
          const summary = await pd.ledger.summary();
          const row: DigestRow = {
            ...reader.message,
            variant,
            accountDeals: size,
            needed: floors[step].needed,
            requests: summary.reduce((sum, t) => sum + t.requests, 0),
            tokens: summary.reduce((sum, t) => sum + (t.tokens ?? 0), 0),
            floorTokens: floors[step].tokens,
            detail: summary.map((t) => `${t.endpoint.replace('/api/v2', '')} ×${t.requests}`).join(', '),
          };
          rows.push(row);
          log(`  ${step} @${size} (${variant}): ${row.ms} ms, ${row.tokens} tokens, peak RSS ${row.peakRssMb} MB`);
        }
    } finally {
      await pd.close();
    }
  }
  return rows;
}
