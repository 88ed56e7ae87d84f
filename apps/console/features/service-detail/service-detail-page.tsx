"use client";
// One service: golden metrics over the chosen range (charts marked with policy changes), its
// instances, callers and callees, and the policies that apply to its calls.
import Link from "next/link";
import { useMemo } from "react";
import { HealthBadge } from "../../components/health-badge";
import { PageHeader } from "../../components/page-header";
import { ErrorState, LoadingState, StaleBanner } from "../../components/query-state";
import { formatMs, formatPercent, formatRate } from "../../lib/format";
import { useGlobalView, useUrlState } from "../../lib/use-url-state";
import { hrefKeepingGlobals } from "../../lib/view-state";
import { useGraph } from "../graph/use-graph";
import { useCurrentPolicy, usePolicyRevisions } from "../policy/use-policy";
import { useServices } from "../services/use-services";
import { useSidecars } from "../sidecars/use-sidecars";
import { serviceEdges, serviceInstances } from "./edges-model";
import { EdgesTable, InstancesTable, PoliciesCard, ResilienceCard } from "./detail-tables";
import { EndpointsTable } from "./endpoints-table";
import { SeriesCharts } from "./series-charts";
import { revisionMarkers, toChartSeries } from "./series-model";
import { usePolicies, useServiceEndpoints, useServiceSeries } from "./use-service-detail";

export function ServiceDetailPage({ service }: { service: string }) {
  const { window, custom, refreshMs } = useGlobalView();
  const url = useUrlState();
  const series = useServiceSeries(service, window, custom, refreshMs);
  const services = useServices(window, refreshMs);
  const graph = useGraph(window, refreshMs);
  const sidecars = useSidecars(refreshMs);
  const policy = useCurrentPolicy(service);
  const revisions = usePolicyRevisions(service);
  const policies = usePolicies(refreshMs);
  const endpoints = useServiceEndpoints(service, window, custom, refreshMs);

  const chart = useMemo(() => (series.data === undefined ? undefined : toChartSeries(series.data)), [series.data]);
  const markers = useMemo(
    () => (chart === undefined ? [] : revisionMarkers(revisions.data?.revisions ?? [], chart.fromMs, chart.toMs)),
    [chart, revisions.data],
  );
  const summary = services.data?.services.find((s) => s.name === service);
  const edges = useMemo(() => serviceEdges(graph.data, service), [graph.data, service]);
  const instances = useMemo(() => serviceInstances(sidecars.data?.sidecars, service), [sidecars.data, service]);
  const href = (path: string, extra?: Record<string, string>) => hrefKeepingGlobals(path, url.params, extra);
  const rangeLabel = custom === null ? `window ${window}` : "custom range";

  return (
    <div className="page detail-page" data-test="detail-page" data-service={service}>
      <PageHeader title={service} generatedAt={series.data?.generatedAt}>
        {summary === undefined ? null : <HealthBadge health={summary.health} testId="detail-health" />}
        <span className="versions" style={{ marginLeft: 0 }}>
          {(summary?.versions ?? []).map((v) => <span key={v} className="version-chip">{v}</span>)}
        </span>
        <span className="as-of">{rangeLabel}{series.data === undefined ? "" : ` · step ${formatStep(series.data.stepSeconds)}`}</span>
        <span className="spacer" />
        <Link href={href("/", { sel: `node:${service}` })} data-test="detail-graph-link">Show in the graph</Link>
        <Link href={href(`/services/${encodeURIComponent(service)}/policy`)} className="btn" data-test="detail-policy-link">Edit policy</Link>
      </PageHeader>
      {series.isError && series.data !== undefined ? <StaleBanner error={series.error} /> : null}

      <div className="stat-strip" data-test="detail-stats">
        <Stat label="Request rate" value={formatRate(summary?.requestRate ?? 0)} test="rps" />
        <Stat label="Success (effective)" value={chart?.totals.successRate == null ? "—" : formatPercent(chart.totals.successRate)} test="success" />
        <Stat label="Success (first try)" value={chart?.totals.firstTrySuccessRate == null ? "—" : formatPercent(chart.totals.firstTrySuccessRate)} test="first-try" />
        <Stat label="p50" value={formatMs(summary?.latencyMs?.p50)} test="p50" />
        <Stat label="p95" value={formatMs(summary?.latencyMs?.p95)} test="p95" />
        <Stat label="p99" value={formatMs(summary?.latencyMs?.p99)} test="p99" />
        <Stat label="Instances" value={summary === undefined ? "—" : `${summary.instances.up}/${summary.instances.total}`} test="instances" />
        <Stat label="Policy" value={policy.data === undefined ? "—" : policy.data.current === null ? "defaults" : `r${policy.data.current.revision}`} test="policy" />
      </div>

      {chart === undefined ? (
        series.isError ? <ErrorState error={series.error} /> : <LoadingState what="the charts" />
      ) : chart.totals.requests === 0 ? (
        <div className="card">
          <div className="state" data-test="detail-no-traffic">
            <h2>No requests reached {service} in this range.</h2>
            <p>The charts fill in once callers' sidecars report traffic to it. Pick a longer window, or send some traffic.</p>
          </div>
        </div>
      ) : (
        <SeriesCharts data={chart} markers={markers} />
      )}

      <div className="detail-grid">
        <InstancesTable instances={instances} loading={sidecars.data === undefined} />
        <ResilienceCard totals={chart?.totals.outcomes} requests={chart?.totals.requests ?? 0} />
      </div>
      <EndpointsTable data={endpoints.data} loading={endpoints.data === undefined} />
      <div className="detail-grid">
        <EdgesTable title="Callers" direction="inbound" edges={edges.inbound} href={href} />
        <EdgesTable title="Calls" direction="outbound" edges={edges.outbound} href={href} />
      </div>
      <PoliciesCard
        service={service}
        current={policy.data}
        revisions={revisions.data?.revisions ?? []}
        callees={edges.outbound.map((e) => e.target)}
        policies={policies.data?.policies ?? []}
        href={href}
      />
    </div>
  );
}

function Stat({ label, value, test }: { label: string; value: string; test: string }) {
  return (
    <div className="stat" data-test={`detail-stat-${test}`}>
      <span className="stat-label">{label}</span>
      <span className="stat-value num">{value}</span>
    </div>
  );
}

function formatStep(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${+(seconds / 60).toFixed(1)}m`;
  return `${+(seconds / 3600).toFixed(1)}h`;
}
