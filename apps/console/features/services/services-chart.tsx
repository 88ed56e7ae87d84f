"use client";
// A horizontal bar chart of request rate (or error rate) per service, coloured by health.
import type { ServiceSummary } from "@trellis/mesh-model";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis, type BarShapeProps } from "recharts";
import { formatPercent, formatRate } from "../../lib/format";
import { windowPhrase, type WindowChoice } from "../../lib/view-state";
import { useUrlState } from "../../lib/use-url-state";
import { CHART_METRICS, DEFAULT_CHART_METRIC, toServiceSeries, type ChartMetric } from "./to-series";

const LABELS: Record<ChartMetric, string> = { rps: "Request rate", errors: "Error rate" };

function formatValue(metric: ChartMetric, value: number): string {
  return metric === "rps" ? formatRate(value) : formatPercent(value / 100);
}

export function ServicesChart({ services, window }: { services: readonly ServiceSummary[]; window: WindowChoice }) {
  const url = useUrlState();
  const metric = url.choice("chart", CHART_METRICS, DEFAULT_CHART_METRIC);
  const series = toServiceSeries(services, metric);
  const height = Math.max(120, series.length * 26 + 36);

  return (
    <section className="card" data-test="services-chart" data-metric={metric}>
      <div className="card-header">
        <h2>{LABELS[metric]} by service</h2>
        <span className="faint">top {series.length}</span>
        <span className="spacer" />
        <div className="seg" role="group" aria-label="Chart metric">
          {CHART_METRICS.map((m) => (
            <button key={m} type="button" aria-pressed={m === metric} data-test={`services-chart-metric-${m}`} onClick={() => url.set([["chart", m, DEFAULT_CHART_METRIC]])}>
              {LABELS[m]}
            </button>
          ))}
        </div>
      </div>
      {series.length === 0 ? (
        <div className="state" data-test="services-chart-empty" style={{ minHeight: 120 }}>
          <p>{metric === "rps" ? `No traffic in the last ${windowPhrase(window)}.` : `No errors in the last ${windowPhrase(window)}.`}</p>
        </div>
      ) : (
        <div className="card-body" style={{ height }}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={series} layout="vertical" margin={{ top: 0, right: 24, bottom: 0, left: 0 }} barCategoryGap={5}>
              <CartesianGrid horizontal={false} stroke="var(--border)" />
              <XAxis type="number" tick={{ fill: "var(--text-muted)", fontSize: 11 }} stroke="var(--border)" tickFormatter={(v: number) => formatValue(metric, v)} />
              <YAxis type="category" dataKey="name" width={130} tick={{ fill: "var(--text)", fontSize: 12 }} stroke="var(--border)" interval={0} />
              <Tooltip
                cursor={{ fill: "var(--surface-hover)" }}
                contentStyle={{ background: "var(--surface)", border: "1px solid var(--border)", borderRadius: 6, color: "var(--text)" }}
                formatter={(value) => [typeof value === "number" ? formatValue(metric, value) : String(value), LABELS[metric]]}
              />
              <Bar
                dataKey="value"
                isAnimationActive={false}
                shape={(props: BarShapeProps) => (
                  <rect x={props.x} y={props.y} width={Math.max(0, props.width)} height={props.height} rx={3} style={{ fill: `var(--health-${series[props.index]?.health ?? "unknown"})` }} />
                )}
              />
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}
