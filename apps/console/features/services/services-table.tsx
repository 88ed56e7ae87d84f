"use client";
// Every service with its golden metrics; sortable and filterable through the URL.
import Link from "next/link";
import type { ServiceSummary } from "@trellis/mesh-model";
import { HealthBadge } from "../../components/health-badge";
import { SortHeader } from "../../components/sort-header";
import { formatMs, formatPercent, formatRate } from "../../lib/format";
import type { SortDirection } from "../../lib/view-state";
import { successRate, type ServiceColumn } from "./services-table-model";

interface ServicesTableProps {
  services: ServiceSummary[];
  sort: ServiceColumn;
  direction: SortDirection;
  onSort: (column: ServiceColumn) => void;
  graphHref: (service: string) => string;
  detailHref: (service: string) => string;
}

export function ServicesTable({ services, sort, direction, onSort, graphHref, detailHref }: ServicesTableProps) {
  const header = (column: ServiceColumn, label: string, align: "left" | "right" = "right") => (
    <SortHeader column={column} label={label} active={sort} direction={direction} onSort={onSort} testPrefix="services" align={align} />
  );
  return (
    <div className="table-wrap">
      <table className="data" data-test="services-table">
        <thead>
          <tr>
            {header("name", "Service", "left")}
            {header("health", "Health", "left")}
            {header("rps", "Requests")}
            {header("success", "Success")}
            {header("p50", "p50")}
            {header("p95", "p95")}
            {header("p99", "p99")}
            {header("instances", "Instances")}
          </tr>
        </thead>
        <tbody>
          {services.map((s) => {
            const success = successRate(s);
            return (
              <tr key={s.name} data-test={`services-row-${s.name}`} data-health={s.health}>
                <td>
                  <Link href={detailHref(s.name)} data-test={`services-link-${s.name}`} title="Charts, instances, edges and policies">{s.name}</Link>
                  <span className="versions">
                    {s.versions.map((v) => <span key={v} className="version-chip">{v}</span>)}
                  </span>
                  <Link href={graphHref(s.name)} className="faint" style={{ marginLeft: 10, fontSize: 12 }} data-test={`services-graph-${s.name}`} title="Show in the graph">graph</Link>
                  <Link href={`/services/${encodeURIComponent(s.name)}/policy`} className="faint" style={{ marginLeft: 10, fontSize: 12 }} data-test={`services-policy-${s.name}`} title="Edit the policy of calls to this service">policy</Link>
                </td>
                <td><HealthBadge health={s.health} testId={`services-health-${s.name}`} /></td>
                <td className="right num" data-test="services-cell-rps">{formatRate(s.requestRate)}</td>
                <td className="right num" data-test="services-cell-success">
                  {success === null ? "—" : formatPercent(success)}
                  <span className="bar-track" aria-hidden="true">
                    <span className="bar-fill" style={{ width: `${(success ?? 0) * 100}%`, background: `var(--health-${s.health})` }} />
                  </span>
                </td>
                <td className="right num" data-test="services-cell-p50">{formatMs(s.latencyMs?.p50)}</td>
                <td className="right num" data-test="services-cell-p95">{formatMs(s.latencyMs?.p95)}</td>
                <td className="right num" data-test="services-cell-p99">{formatMs(s.latencyMs?.p99)}</td>
                <td className="right num" data-test="services-cell-instances" style={s.instances.up < s.instances.total ? { color: "var(--health-degraded)" } : undefined}>
                  {s.instances.up}/{s.instances.total}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
