// One digest build, timed and weighed in a process of its own (so the fake Pipedrive's
// 100,000 deals do not count in its memory). `BENCH_STEP=digest` builds the scheduled
// digest as the scheduler does (`createDigestBuilder(...).build`: CRM reads, the digest,
// its chart and message), a channel's first one, so cold; `BENCH_STEP=board` builds the
// `/pipeline` board (`buildPipelineBoard`) for comparison. Forked by bench/run.ts; answers
// over IPC.

import { DateTime } from 'luxon';
import { createCachedCrm } from '../src/crm/cached-crm.js';
import { createPipedriveClient } from '../src/crm/pipedrive/pipedrive-client.js';
import type { CrmClient } from '../src/crm/port.js';
import { createDigestBuilder } from '../src/services/pipeline-digest.js';
import { renderDigestJob } from '../src/runtime/digest-job.js';
import { createDigestSchedule } from '../src/domain/digest-schedule.js';
import { buildPipelineBoard } from '../src/services/pipeline-board.js';
import { createStore } from '../src/store/create-store.js';

export type DigestStep = 'digest' | 'board';

export interface DigestReading {
  step: DigestStep;
  ms: number;
  /** Peak resident set of this process (getrusage), MB. */
  peakRssMb: number;
  /** Highest heapUsed seen, sampled every 5 ms, MB. */
  peakHeapMb: number;
  /** Heap after a full collection after each page (only under --expose-gc), MB: what the build holds. */
  livePeakHeapMb: number | null;
  /** Resident set and heap before the build started, MB. */
  baseRssMb: number;
  baseHeapMb: number;
  /** Deals the adapter handed over (all pages, after its status filter). */
  dealsRead: number;
  /** The app's deal cap was reached, so the numbers cover the first deals only. */
  truncated: boolean;
  /** Blocks in the digest message, and the chart's size (digest only). */
  blocks: number | null;
  chartKb: number | null;
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

const step: DigestStep = process.env.BENCH_STEP === 'board' ? 'board' : 'digest';
const store = await createStore('memory://');
const cached = createCachedCrm(
  createPipedriveClient({ apiToken: process.env.BENCH_PIPEDRIVE_TOKEN ?? '', baseUrl: process.env.BENCH_PIPEDRIVE_URL ?? '' }),
  store,
  { namespace: 'digest-bench' },
);
let dealsRead = 0;
let livePeak = 0;
const crm: CrmClient = {
  ...cached,
  async listDeals(query) {
    const page = await cached.listDeals(query);
    dealsRead += page.items.length;
    // Run with --expose-gc, a full collection after each page shows what is really held
    // (the live set) apart from garbage V8 has not collected yet.
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      livePeak = Math.max(livePeak, process.memoryUsage().heapUsed);
    }
    return page;
  },
};
const zone = 'Europe/Berlin';
const now = DateTime.now().setZone(zone);

const base = process.memoryUsage();
let peakHeap = base.heapUsed;
const sampler = setInterval(() => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}, 5);
const started = performance.now();
let truncated: boolean;
let blocks: number | null = null;
let chartKb: number | null = null;
if (step === 'digest') {
  const schedule = createDigestSchedule(
    { channelId: 'C0CONSOLE', pipelineId: '1', frequency: { kind: 'daily' }, time: '09:00', zone, createdBy: 'U0CONSOLE' },
    now.minus({ days: 1 }),
  );
  const toPost = await createDigestBuilder({ crm, store, now: () => DateTime.now() }).build(schedule, {
    trigger: 'now',
    slot: now,
    late: false,
    missedSlots: 1,
  });
  const job = await renderDigestJob(toPost);
  blocks = job.message.blocks.length;
  chartKb = job.chart ? Math.round(job.chart.png.length / 1024) : null;
  truncated = /holds more deals than a digest reads/.test(JSON.stringify(job.message));
} else {
  truncated = (await buildPipelineBoard(crm, { pipelineId: '1', zone, now })).truncated;
}
const ms = performance.now() - started;
clearInterval(sampler);
peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);

const reading: DigestReading = {
  step,
  ms: Math.round(ms),
  peakRssMb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
  peakHeapMb: mb(peakHeap),
  livePeakHeapMb: livePeak > 0 ? mb(livePeak) : null,
  baseRssMb: mb(base.rss),
  baseHeapMb: mb(base.heapUsed),
  dealsRead,
  truncated,
  blocks,
  chartKb,
};
process.send?.(reading, () => process.exit(0));
