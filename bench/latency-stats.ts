// p50 / p99 / max of a set of latencies (nearest-rank percentiles, in milliseconds rounded
// to a tenth), as the benchmark reports them.

export interface LatencyStats {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

export function latencyStats(samples: readonly number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number): number => {
    const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[index] ?? Number.NaN;
  };
  return { n: sorted.length, p50: round(rank(50)), p99: round(rank(99)), max: round(sorted.at(-1) ?? Number.NaN) };
}
