// One service's traffic as a time series (what it received, step by step), summed from rollups —
// never raw points. Each step is one rollup aggregate over [stepStart, stepEnd).
import {
  MAX_SERIES_POINTS, OUTCOMES, parseDuration, type Outcome, type SeriesPoint, type SeriesQuery, type ServiceSeriesResponse,
} from "@trellis/mesh-model";
import type { Repositories, Resolution, RollupAggregate } from "../db/repositories";
import { latencyFromBuckets } from "./percentiles";
import { isFailure } from "./request-failure";

export interface SeriesServiceOptions {
  db: Pick<Repositories, "rollups">;
  now: () => Date;
  retention10sMs: number;
}

/** About this many points when the query names no step. */
const TARGET_POINTS = 60;

export interface SeriesPlan {
  resolution: Resolution;
  /** Aligned to the step. */
  from: number;
  /** Exclusive, aligned to the step. */
  to: number;
  stepMs: number;
}

/**
 * Picks the resolution (10 s while the range is within an hour and still retained, else 60 s) and a
 * step that is a multiple of it, at most MAX_SERIES_POINTS steps. Pure.
 */
export function planSeries(fromMs: number, toMs: number, nowMs: number, retention10sMs: number, stepMs?: number): SeriesPlan {
  const span = Math.max(1, toMs - fromMs);
  const resolution: Resolution = span <= 3_600_000 && nowMs - fromMs <= retention10sMs ? 10 : 60;
  const res = resolution * 1000;
  let step = stepMs ?? span / TARGET_POINTS;
  step = Math.max(res, Math.ceil(step / res) * res);
  while (span / step > MAX_SERIES_POINTS) step += res;
  const from = Math.floor(fromMs / step) * step;
  const to = Math.ceil(toMs / step) * step;
  return { resolution, from, to, stepMs: step };
}

const round = (x: number): number => Number(x.toFixed(6));

/** Sums one step's cells (already only this service's) into a point. Pure. */
export function toSeriesPoint(t: number, seconds: number, cells: ReadonlyArray<RollupAggregate>): SeriesPoint {
  let requests = 0;
  let failures = 0;
  let firstTryOk = 0;
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const buckets: number[] = [];
  const versions: Record<string, number> = {};
  for (const c of cells) {
    requests += c.count;
    const failed = isFailure(c.responseClass, c.outcome);
    if (failed) failures += c.count;
    // `retried` succeeded only after another try: a failure on the first.
    if (!failed && c.outcome !== "retried") firstTryOk += c.count;
    outcomes[c.outcome] = (outcomes[c.outcome] ?? 0) + c.count;
    versions[c.destinationVersion] = (versions[c.destinationVersion] ?? 0) + c.count;
    c.buckets.forEach((n, i) => (buckets[i] = (buckets[i] ?? 0) + n));
  }
  const share = (n: number) => (requests > 0 ? round(n / requests) : null);
  return {
    t: new Date(t).toISOString(),
    requests,
    requestRate: round(requests / seconds),
    errorRate: share(failures),
    successRate: share(requests - failures),
    firstTrySuccessRate: share(firstTryOk),
    latencyMs: latencyFromBuckets(buckets),
    outcomes,
    versions: Object.fromEntries(Object.entries(versions).map(([v, n]) => [v, round(n / seconds)])),
  };
}

export class SeriesService {
  constructor(private readonly options: SeriesServiceOptions) {}

  /** `query` was validated by ZSeriesQuery; `service` by ZServiceName. */
  async series(service: string, query: SeriesQuery): Promise<ServiceSeriesResponse> {
    const now = this.options.now().getTime();
    const toMs = query.to !== undefined ? Date.parse(query.to) : now;
    const fromMs = query.from !== undefined ? Date.parse(query.from) : now - (parseDuration(query.window) ?? 3_600_000);
    const stepMs = query.step === undefined ? undefined : parseDuration(query.step);
    const plan = planSeries(fromMs, toMs, now, this.options.retention10sMs, stepMs);
    const points: SeriesPoint[] = [];
    for (let t = plan.from; t < plan.to; t += plan.stepMs) {
      const end = t + plan.stepMs;
      // The step that holds now covers only the seconds up to now.
      const seconds = Math.max(1, (Math.min(end, now) - t) / 1000);
      const cells = t > now ? [] : await this.options.db.rollups.aggregate(plan.resolution, new Date(t), new Date(end));
      points.push(toSeriesPoint(t, seconds, cells.filter((c) => c.destination === service)));
    }
    return {
      service,
      from: new Date(plan.from).toISOString(),
      to: new Date(plan.to).toISOString(),
      stepSeconds: plan.stepMs / 1000,
      resolution: plan.resolution,
      generatedAt: new Date(now).toISOString(),
      points,
    };
  }
}
