// The service series turned into chart rows, and the policy revisions into chart markers. Pure.
import { OUTCOMES, type Outcome, type PolicyRevisionSummary, type ServiceSeriesResponse } from "@trellis/mesh-model";

/** Outcomes drawn in the breakdown: everything but a plain `ok` (which would dwarf them). */
export const BREAKDOWN_OUTCOMES: readonly Outcome[] = OUTCOMES.filter((o) => o !== "ok");

export interface ChartRow {
  /** Step start, epoch ms (the charts' x axis is numeric time). */
  t: number;
  rps: number;
  /** Percentages 0..100, null without requests (a gap, not a zero). */
  success: number | null;
  firstTry: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Requests per second per version, keyed `v:<version>`, and counts per outcome, keyed `o:<outcome>`. */
  [key: `v:${string}` | `o:${string}`]: number;
}

export interface ChartSeries {
  rows: ChartRow[];
  /** Versions seen anywhere in the range, sorted. */
  versions: string[];
  /** Breakdown outcomes that occurred at least once, in OUTCOMES order. */
  outcomes: Outcome[];
  fromMs: number;
  toMs: number;
  /** Totals over the range. */
  totals: { requests: number; successRate: number | null; firstTrySuccessRate: number | null; outcomes: Record<Outcome, number> };
}

const pct = (share: number | null): number | null => (share === null ? null : Math.round(share * 100_000) / 1000);

export function toChartSeries(series: ServiceSeriesResponse): ChartSeries {
  const versions = [...new Set(series.points.flatMap((p) => Object.keys(p.versions)))].sort();
  const outcomeTotals = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  let requests = 0;
  let succeeded = 0;
  let firstTry = 0;
  const rows = series.points.map((p): ChartRow => {
    const row: ChartRow = {
      t: Date.parse(p.t),
      rps: p.requestRate,
      success: pct(p.successRate),
      firstTry: pct(p.firstTrySuccessRate),
      p50: p.latencyMs?.p50 ?? null,
      p95: p.latencyMs?.p95 ?? null,
      p99: p.latencyMs?.p99 ?? null,
    };
    for (const v of versions) row[`v:${v}`] = p.versions[v] ?? 0;
    for (const o of OUTCOMES) {
      const n = p.outcomes[o] ?? 0;
      outcomeTotals[o] += n;
      if (o !== "ok") row[`o:${o}`] = n;
    }
    requests += p.requests;
    succeeded += (p.successRate ?? 0) * p.requests;
    firstTry += (p.firstTrySuccessRate ?? 0) * p.requests;
    return row;
  });
  return {
    rows,
    versions,
    outcomes: BREAKDOWN_OUTCOMES.filter((o) => outcomeTotals[o] > 0),
    fromMs: Date.parse(series.from),
    toMs: Date.parse(series.to),
    totals: {
      requests,
      successRate: requests > 0 ? succeeded / requests : null,
      firstTrySuccessRate: requests > 0 ? firstTry / requests : null,
      outcomes: outcomeTotals,
    },
  };
}

export interface RevisionMarker {
  t: number;
  revision: number;
  label: string;
  title: string;
}

/** Policy revisions applied inside the charted range, oldest first, as vertical markers. */
export function revisionMarkers(revisions: readonly PolicyRevisionSummary[], fromMs: number, toMs: number): RevisionMarker[] {
  return revisions
    .map((r) => ({ r, t: Date.parse(r.createdAt) }))
    .filter(({ t }) => t >= fromMs && t <= toMs)
    .sort((a, b) => a.t - b.t)
    .map(({ r, t }) => ({ t, revision: r.revision, label: `r${r.revision}`, title: `r${r.revision} by ${r.author}: ${r.message}` }));
}

/** Axis ticks: clock time for ranges within a day, date and time beyond. */
export function timeTickFormat(spanMs: number): (t: number) => string {
  const options: Intl.DateTimeFormatOptions = spanMs <= 86_400_000
    ? { hour: "2-digit", minute: "2-digit", hour12: false }
    : { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false };
  return (t) => new Date(t).toLocaleString(undefined, options);
}
