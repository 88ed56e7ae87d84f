// The traffic split the request-rate chart shows, as numbers: each version's share of the requests
// in the latest complete steps with traffic. Rendered beside the chart (readable, and what the
// browser test reads to see a 50/50 shift arrive). Pure.
import type { ChartSeries } from "./series-model";

export interface TrafficSplit {
  /** Share per version, 0..1, over `steps` steps; empty without traffic. */
  shares: Record<string, number>;
  steps: number;
  /** Start of the earliest step counted, epoch ms; null without traffic. */
  sinceMs: number | null;
}

/** The last row is the step in progress (partly reported): it is left out. */
export function recentSplit(data: Pick<ChartSeries, "rows" | "versions">, steps = 3): TrafficSplit {
  const complete = data.rows.slice(0, -1);
  const counted = complete.filter((r) => data.versions.some((v) => (r[`v:${v}`] ?? 0) > 0)).slice(-steps);
  const sums = Object.fromEntries(data.versions.map((v) => [v, counted.reduce((n, r) => n + (r[`v:${v}`] ?? 0), 0)]));
  const total = Object.values(sums).reduce((a, b) => a + b, 0);
  if (total === 0) return { shares: {}, steps: 0, sinceMs: null };
  return {
    shares: Object.fromEntries(Object.entries(sums).map(([v, n]) => [v, n / total])),
    steps: counted.length,
    sinceMs: counted[0]?.t ?? null,
  };
}
