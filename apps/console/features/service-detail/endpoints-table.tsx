"use client";
// The endpoints of the service with their breaker state as the callers' sidecars report it:
// closed / open / half-open, since when, why, and ejections in the range.
import type { ServiceEndpointsResponse } from "@trellis/mesh-model";
import { HealthBadge } from "../../components/health-badge";
import { formatAge, formatCount } from "../../lib/format";
import { useNow } from "../../lib/use-now";
import { BREAKER_REASON_LABEL, BREAKER_TONE, endpointRows } from "./endpoints-model";

export function EndpointsTable({ data, loading }: { data: ServiceEndpointsResponse | undefined; loading: boolean }) {
  const now = useNow(5000);
  const rows = endpointRows(data);
  return (
    <section className="card" data-test="detail-endpoints">
      <div className="card-header">
        <h2>Endpoints and breakers</h2>
        <span className="faint">outlier ejection as callers' sidecars report it; ejections in this range</span>
      </div>
      {rows.length === 0 ? (
        <div className="state" style={{ minHeight: 80 }}><p>{loading ? "Loading…" : "No endpoint of this service is registered or reported."}</p></div>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <thead><tr><th>Endpoint</th><th>Version</th><th>Address</th><th>Health</th><th>Breaker</th><th>Since</th><th>Why</th><th className="right">Ejections</th></tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.instanceId} data-test={`detail-endpoint-${r.instanceId}`} data-breaker={r.breaker} data-reason={r.reason ?? ""} data-ejections={r.ejections}>
                  <td className="mono">{r.instanceId}</td>
                  <td>{r.version === null ? <span className="faint">—</span> : <span className="version-chip">{r.version}</span>}</td>
                  <td className="mono">{r.address ?? "—"}</td>
                  <td>
                    <HealthBadge health={r.health} />
                    {r.up ? null : <span className="faint"> down</span>}
                    {r.unhealthy ? <div className="error-text">failing health checks</div> : null}
                  </td>
                  <td><span className="badge" data-tone={BREAKER_TONE[r.breaker]} data-test="endpoint-breaker">{r.breaker}</span></td>
                  <td className="num muted" title={r.since ?? undefined}>{r.since === null ? "—" : formatAge(r.since, now)}</td>
                  <td data-test="endpoint-reason">
                    {r.reason === null ? <span className="faint">—</span> : BREAKER_REASON_LABEL[r.reason]}
                    {r.reportedBy === null ? null : <div className="faint">seen by {r.reportedBy}</div>}
                    {r.reports.some((x) => x.stale) ? <div className="faint">{r.reports.filter((x) => x.stale).length} caller view(s) stale</div> : null}
                  </td>
                  <td className="right num" data-test="endpoint-ejections">{formatCount(r.ejections)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
