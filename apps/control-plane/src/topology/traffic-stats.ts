// Sums rolled-up cells into traffic statistics per edge or per destination, and summarises them into
// the numbers the read APIs show. Pure.
import { LATENCY_BOUNDS_MS, OUTCOMES, type Health, type Latency, type Outcome } from "@trellis/mesh-model";
import type { RollupAggregate } from "../db/repositories";
import { healthOf } from "./health";
import { latencyFromBuckets } from "./percentiles";
import { isFailure } from "./request-failure";

export interface TrafficStats {
  requests: number;
  failures: number;
  mtls: number;
  durationSumMs: number;
  buckets: number[];
  outcomes: Record<Outcome, number>;
}

export interface TrafficSummary {
  requestRate: number;
  errorRate: number;
  latencyMs: Latency | null;
  outcomes: Record<Outcome, number>;
  mtlsShare: number;
  health: Health;
}

export function emptyStats(): TrafficStats {
  return {
    requests: 0,
    failures: 0,
    mtls: 0,
    durationSumMs: 0,
    buckets: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0),
    outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>,
  };
}

export function addCell(stats: TrafficStats, cell: RollupAggregate): void {
  stats.requests += cell.count;
  if (isFailure(cell.responseClass, cell.outcome)) stats.failures += cell.count;
  if (cell.mtls) stats.mtls += cell.count;
  stats.durationSumMs += cell.durationSumMs;
  stats.outcomes[cell.outcome] += cell.count;
  for (let i = 0; i < stats.buckets.length; i++) stats.buckets[i]! += cell.buckets[i] ?? 0;
}

function groupBy(cells: ReadonlyArray<RollupAggregate>, key: (cell: RollupAggregate) => string): Map<string, TrafficStats> {
  const out = new Map<string, TrafficStats>();
  for (const cell of cells) {
    const k = key(cell);
    let stats = out.get(k);
    if (!stats) out.set(k, (stats = emptyStats()));
    addCell(stats, cell);
  }
  return out;
}

export const edgeKey = (source: string, destination: string): string => `${source}->${destination}`;

export const statsByEdge = (cells: ReadonlyArray<RollupAggregate>) => groupBy(cells, (c) => edgeKey(c.source, c.destination));

/** What each service received, from all its callers. */
export const statsByDestination = (cells: ReadonlyArray<RollupAggregate>) => groupBy(cells, (c) => c.destination);

const round = (x: number, digits = 6): number => Number(x.toFixed(digits));

export function summarise(stats: TrafficStats, seconds: number): TrafficSummary {
  const errorRate = stats.requests > 0 ? stats.failures / stats.requests : 0;
  return {
    requestRate: round(stats.requests / seconds),
    errorRate: round(errorRate),
    latencyMs: latencyFromBuckets(stats.buckets),
    outcomes: { ...stats.outcomes },
    mtlsShare: stats.requests > 0 ? round(stats.mtls / stats.requests) : 0,
    health: healthOf(stats.requests, errorRate),
  };
}
