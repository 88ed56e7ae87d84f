// The console's time series of one service: what it received, step by step, from the rollups.
import { z } from "zod";
import { parseDuration } from "../duration";
import { ZServiceName, ZVersion } from "../identity";
import { OUTCOMES } from "../telemetry";
import { ZLatency, ZWindow } from "./console-api";

export const SERIES_API = {
  series: (service: string) => `/api/v1/services/${encodeURIComponent(service)}/series`,
  seriesRoute: "/api/v1/services/:name/series",
} as const;

/** At most this many points per answer (the step grows to fit). */
export const MAX_SERIES_POINTS = 500;

const ZStep = z.string().refine((s) => {
  const ms = parseDuration(s);
  return ms !== undefined && ms >= 10_000 && ms <= 86_400_000;
}, { message: 'must be a duration between "10s" and "24h", such as "1m"' });

/**
 * `window` looks back from now; `from`+`to` (ISO times, at most 7 days apart) pick a fixed range
 * instead. `step` defaults to about 60 points over the range, never finer than the rollups.
 */
export const ZSeriesQuery = z
  .object({
    window: ZWindow.default("1h"),
    from: z.iso.datetime().optional(),
    to: z.iso.datetime().optional(),
    step: ZStep.optional(),
  })
  .refine((q) => (q.from === undefined) === (q.to === undefined), { message: "from and to go together", path: ["to"] })
  .refine((q) => q.from === undefined || q.to === undefined || (Date.parse(q.to) > Date.parse(q.from) && Date.parse(q.to) - Date.parse(q.from) <= 7 * 86_400_000), {
    message: "to must be after from, at most 7 days later",
    path: ["to"],
  });
export type SeriesQuery = z.infer<typeof ZSeriesQuery>;

export const ZSeriesPoint = z.strictObject({
  /** Start of the step. */
  t: z.iso.datetime(),
  requests: z.number(),
  requestRate: z.number(),
  /** Failed share after retries (what callers finally saw); null without requests. */
  errorRate: z.number().nullable(),
  /** 1 - errorRate: effective success, after retries. */
  successRate: z.number().nullable(),
  /** Success on the first try (outcome `ok` and not 5xx): actual success, before retries. */
  firstTrySuccessRate: z.number().nullable(),
  latencyMs: ZLatency.nullable(),
  outcomes: z.record(z.enum(OUTCOMES), z.number()),
  /** Requests per second per destination version (the traffic split). */
  versions: z.record(ZVersion, z.number()),
});
export type SeriesPoint = z.infer<typeof ZSeriesPoint>;

export const ZServiceSeriesResponse = z.strictObject({
  service: ZServiceName,
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  stepSeconds: z.int(),
  resolution: z.union([z.literal(10), z.literal(60)]),
  generatedAt: z.iso.datetime(),
  points: z.array(ZSeriesPoint),
});
export type ServiceSeriesResponse = z.infer<typeof ZServiceSeriesResponse>;
