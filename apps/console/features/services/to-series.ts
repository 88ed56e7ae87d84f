// The services chart's data: one bar per service, biggest first, for the chosen metric.
import type { Health, ServiceSummary } from "@trellis/mesh-model";

export const CHART_METRICS = ["rps", "errors"] as const;
export type ChartMetric = (typeof CHART_METRICS)[number];
export const DEFAULT_CHART_METRIC: ChartMetric = "rps";

export interface ServiceBar {
  name: string;
  /** Requests per second for "rps"; error percentage (0..100) for "errors". */
  value: number;
  health: Health;
}

/**
 * Top `limit` services by the metric. Services with no traffic carry no information on either
 * chart, so they are left out; error rates are percentages so the axis reads naturally.
 */
export function toServiceSeries(services: readonly ServiceSummary[], metric: ChartMetric, limit = 12): ServiceBar[] {
  return services
    .filter((s) => s.requestRate > 0)
    .map((s) => ({ name: s.name, value: metric === "rps" ? s.requestRate : s.errorRate * 100, health: s.health }))
    .filter((bar) => metric === "rps" || bar.value > 0)
    .sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : 1))
    .slice(0, limit);
}
