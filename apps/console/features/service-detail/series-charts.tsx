"use client";
// The detail page's four charts over one time axis, each marking when policy revisions were applied.
import type { ReactElement, ReactNode } from "react";
import {
  Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis,
} from "recharts";
import { formatCount, formatMs, formatRate } from "../../lib/format";
import { timeTickFormat, type ChartSeries, type RevisionMarker } from "./series-model";
import { recentSplit } from "./traffic-split";

/** Categorical colours for versions and outcomes, readable on both themes. */
const PALETTE = ["#4f86e8", "#2fb39a", "#d9a21b", "#b26ee0", "#e07b4f", "#5aa9c9", "#d6579b", "#8a9a3c", "#7d8796"];
const OUTCOME_COLOURS: Record<string, string> = {
  retried: "#4f86e8", ejected_avoided: "#5aa9c9", budget_exhausted: "#b26ee0", per_try_timeout: "#e07b4f",
  timed_out: "#d9a21b", breaker_open: "#d6579b", denied: "#8a9a3c", no_route: "#7d8796", error: "#e05454",
};
const OUTCOME_LABELS: Record<string, string> = {
  retried: "retried", ejected_avoided: "ejected avoided", budget_exhausted: "budget exhausted", per_try_timeout: "per-try timeout",
  timed_out: "timed out", breaker_open: "short-circuited", denied: "denied", no_route: "no route", error: "error",
};
export const outcomeLabel = (o: string) => OUTCOME_LABELS[o] ?? o.replaceAll("_", " ");

const axisTick = { fill: "var(--text-muted)", fontSize: 11 };
const tooltipStyle = { background: "var(--surface)", border: "1px solid var(--border)", borderRadius: 6, color: "var(--text)", fontSize: 12 };

interface ChartsProps {
  data: ChartSeries;
  markers: RevisionMarker[];
}

export function SeriesCharts({ data, markers }: ChartsProps) {
  const tick = timeTickFormat(data.toMs - data.fromMs);
  const x = (
    <XAxis dataKey="t" type="number" scale="time" domain={[data.fromMs, data.toMs]} tickFormatter={tick} tick={axisTick} stroke="var(--border)" minTickGap={40} />
  );
  const grid = <CartesianGrid vertical={false} stroke="var(--border)" strokeDasharray="2 4" />;
  const tooltip = (format: (v: number) => string) => (
    <Tooltip
      contentStyle={tooltipStyle}
      labelFormatter={(t) => new Date(Number(t)).toLocaleString()}
      formatter={(v, name) => [typeof v === "number" ? format(v) : "—", String(name)]}
    />
  );
  const marks = markers.map((m) => (
    <ReferenceLine key={m.revision} x={m.t} stroke="var(--accent)" strokeDasharray="4 3" ifOverflow="hidden"
      label={{ value: m.label, position: "insideTopLeft", fill: "var(--accent)", fontSize: 10 }} />
  ));
  const legend = <Legend iconSize={8} wrapperStyle={{ fontSize: 11, color: "var(--text-muted)" }} />;
  const common = { data: data.rows, margin: { top: 8, right: 12, bottom: 0, left: 0 }, syncId: "service-detail" };

  return (
    <div className="detail-charts">
      <ChartCard title="Request rate" subtitle="by version" testId="chart-rps" count={data.rows.length} footer={<SplitReadout data={data} />}>
        <AreaChart {...common}>
          {grid}{x}
          <YAxis tick={axisTick} stroke="var(--border)" width={52} tickFormatter={(v: number) => formatRate(v).replace(" rps", "")} />
          {tooltip(formatRate)}
          {data.versions.map((v, i) => (
            <Area key={v} type="monotone" dataKey={`v:${v}`} name={v} stackId="rps" stroke={PALETTE[i % PALETTE.length]} fill={PALETTE[i % PALETTE.length]} fillOpacity={0.25} isAnimationActive={false} />
          ))}
          {legend}{marks}
        </AreaChart>
      </ChartCard>
      <ChartCard title="Success rate" subtitle="effective (after retries) and first try (before retries)" testId="chart-success" count={data.rows.length}>
        <LineChart {...common}>
          {grid}{x}
          <YAxis tick={axisTick} stroke="var(--border)" width={52} domain={[(min: number) => Math.max(0, Math.floor(min - 1)), 100]} tickFormatter={(v: number) => `${v}%`} allowDataOverflow />
          {tooltip((v) => `${v.toFixed(2)}%`)}
          <Line type="monotone" dataKey="success" name="effective" stroke="var(--health-healthy)" strokeWidth={2} dot={false} isAnimationActive={false} connectNulls={false} />
          <Line type="monotone" dataKey="firstTry" name="first try" stroke="var(--health-degraded)" strokeWidth={1.5} strokeDasharray="5 3" dot={false} isAnimationActive={false} connectNulls={false} />
          {legend}{marks}
        </LineChart>
      </ChartCard>
      <ChartCard title="Latency" subtitle="p50 · p95 · p99" testId="chart-latency" count={data.rows.length}>
        <LineChart {...common}>
          {grid}{x}
          <YAxis tick={axisTick} stroke="var(--border)" width={52} tickFormatter={(v: number) => formatMs(v)} />
          {tooltip(formatMs)}
          <Line type="monotone" dataKey="p50" name="p50" stroke="#4f86e8" strokeWidth={1.5} dot={false} isAnimationActive={false} />
          <Line type="monotone" dataKey="p95" name="p95" stroke="#d9a21b" strokeWidth={1.5} dot={false} isAnimationActive={false} />
          <Line type="monotone" dataKey="p99" name="p99" stroke="#e05454" strokeWidth={1.5} dot={false} isAnimationActive={false} />
          {legend}{marks}
        </LineChart>
      </ChartCard>
      <ChartCard
        title="Outcomes" subtitle="everything but a plain ok, requests per step" testId="chart-outcomes" count={data.rows.length}
        empty={data.outcomes.length > 0 ? undefined : <div className="state" data-test="chart-outcomes-none" style={{ minHeight: 0, height: "100%" }}><p>Every request was a plain ok.</p></div>}
      >
        <BarChart {...common}>
          {grid}{x}
          <YAxis tick={axisTick} stroke="var(--border)" width={52} tickFormatter={(v: number) => formatCount(v)} allowDecimals={false} />
          {tooltip(formatCount)}
          {data.outcomes.map((o) => (
            <Bar key={o} dataKey={`o:${o}`} name={outcomeLabel(o)} stackId="o" fill={OUTCOME_COLOURS[o] ?? "#7d8796"} isAnimationActive={false} />
          ))}
          {legend}{marks}
        </BarChart>
      </ChartCard>
    </div>
  );
}

function ChartCard({ title, subtitle, testId, count, empty, footer, children }: {
  title: string; subtitle: string; testId: string; count: number; empty?: ReactNode; footer?: ReactNode; children: ReactElement;
}) {
  return (
    <section className="card" data-test={testId} data-points={count}>
      <div className="card-header">
        <h2>{title}</h2>
        <span className="faint">{subtitle}</span>
      </div>
      <div className="card-body detail-chart">
        {/* ResponsiveContainer needs a sized parent; the card body sets the height. */}
        {empty ?? <ResponsiveContainer width="100%" height="100%">{children}</ResponsiveContainer>}
      </div>
      {footer}
    </section>
  );
}

/** The chart's split in numbers: each version's share of the latest complete steps with traffic. */
function SplitReadout({ data }: { data: ChartSeries }) {
  const split = recentSplit(data);
  const versions = Object.keys(split.shares);
  return (
    <p className="faint chart-split" data-test="chart-rps-split" data-steps={split.steps}>
      {versions.length === 0 ? "No traffic split yet." : <>Split over the latest {split.steps} step{split.steps === 1 ? "" : "s"}: </>}
      {versions.map((v, i) => (
        <span key={v} data-test={`chart-rps-split-${v}`} data-share={split.shares[v]!.toFixed(4)}>
          {i > 0 ? " · " : ""}{v} {(split.shares[v]! * 100).toFixed(0)}%
        </span>
      ))}
    </p>
  );
}
