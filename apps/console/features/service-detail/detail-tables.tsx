"use client";
// The detail page's tables: instances, callers/callees, resilience counts, and the policies in force.
import Link from "next/link";
import type { CurrentPolicyResponse, GraphEdge, Outcome, PolicyRevision, PolicyRevisionSummary, SidecarSummary, SyncState } from "@trellis/mesh-model";
import { HealthBadge } from "../../components/health-badge";
import { formatAge, formatCount, formatMs, formatPercent, formatRate } from "../../lib/format";
import { useNow } from "../../lib/use-now";
import { describePolicy, policyFeatures } from "./policy-summary";
import { outcomeLabel } from "./series-charts";

const SYNC_TONE: Record<SyncState, string> = { synced: "healthy", pending: "unknown", stale: "degraded", rejected: "failing", disconnected: "failing" };

export function InstancesTable({ instances, loading }: { instances: SidecarSummary[]; loading: boolean }) {
  const now = useNow(5000);
  return (
    <section className="card" data-test="detail-instances">
      <div className="card-header"><h2>Instances</h2><span className="faint">{instances.length} sidecar{instances.length === 1 ? "" : "s"}</span></div>
      {instances.length === 0 ? (
        <div className="state" style={{ minHeight: 80 }}><p>{loading ? "Loading…" : "No sidecar of this service is registered."}</p></div>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <thead><tr><th>Instance</th><th>Version</th><th>Address</th><th>Lease</th><th>Heartbeat</th><th className="right">Config</th><th>Sync</th></tr></thead>
            <tbody>
              {instances.map((s) => (
                <tr key={s.instanceId} data-test={`detail-instance-${s.instanceId}`} data-up={s.up}>
                  <td className="mono">{s.instanceId}</td>
                  <td><span className="version-chip">{s.version}</span></td>
                  <td className="mono">{s.host}:{s.inboundPort}</td>
                  <td><span className="badge" data-tone={s.up ? "healthy" : "failing"}>{s.up ? "up" : "down"}</span></td>
                  <td className="num muted" title={s.lastHeartbeatAt}>{formatAge(s.lastHeartbeatAt, now)}</td>
                  <td className="right num">{s.ackedRevision ?? "—"}{s.sentRevision !== null && s.sentRevision !== s.ackedRevision ? ` / ${s.sentRevision}` : ""}</td>
                  <td>
                    <span className="badge" data-tone={SYNC_TONE[s.syncState]}>{s.syncState}</span>
                    {s.lastError === null ? null : <div className="error-text">{s.lastError}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** What the callers' sidecars did on the way to this service: retries, ejections, breakers, timeouts. */
const RESILIENCE: readonly Outcome[] = ["retried", "ejected_avoided", "budget_exhausted", "per_try_timeout", "timed_out", "breaker_open", "no_route", "denied", "error"] as Outcome[];

export function ResilienceCard({ totals, requests }: { totals: Record<Outcome, number> | undefined; requests: number }) {
  const rows = RESILIENCE.filter((o) => totals !== undefined && o in totals);
  return (
    <section className="card" data-test="detail-resilience">
      <div className="card-header"><h2>Breakers, ejections and retries</h2><span className="faint">as callers' sidecars reported them, this range</span></div>
      <table className="data">
        <tbody>
          {rows.map((o) => {
            const n = totals?.[o] ?? 0;
            return (
              <tr key={o} data-test={`detail-outcome-${o}`} data-count={n} className={n === 0 ? "faint" : undefined}>
                <td>{outcomeLabel(o)}</td>
                <td className="right num">{formatCount(n)}</td>
                <td className="right num">{requests > 0 ? formatPercent(n / requests) : "—"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

export function EdgesTable({ title, direction, edges, href }: { title: string; direction: "inbound" | "outbound"; edges: GraphEdge[]; href: (path: string) => string }) {
  const peer = (e: GraphEdge) => (direction === "inbound" ? e.source : e.target);
  return (
    <section className="card" data-test={`detail-${direction}`}>
      <div className="card-header"><h2>{title}</h2><span className="faint">{edges.length}</span></div>
      {edges.length === 0 ? (
        <div className="state" style={{ minHeight: 80 }}><p>{direction === "inbound" ? "Nobody called this service in this window." : "This service called nothing in this window."}</p></div>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <thead><tr><th>{direction === "inbound" ? "From" : "To"}</th><th>Health</th><th className="right">Rate</th><th className="right">Errors</th><th className="right">p99</th><th className="right">mTLS</th></tr></thead>
            <tbody>
              {edges.map((e) => (
                <tr key={e.id} data-test={`detail-edge-${peer(e)}`}>
                  <td><Link href={href(`/services/${encodeURIComponent(peer(e))}`)}>{peer(e)}</Link></td>
                  <td><HealthBadge health={e.health} /></td>
                  <td className="right num">{formatRate(e.requestRate)}</td>
                  <td className="right num">{formatPercent(e.errorRate)}</td>
                  <td className="right num">{formatMs(e.latencyMs?.p99)}</td>
                  <td className="right num">{e.requestRate > 0 ? formatPercent(e.mtlsShare) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

interface PoliciesCardProps {
  service: string;
  current: CurrentPolicyResponse | undefined;
  revisions: PolicyRevisionSummary[];
  callees: string[];
  policies: PolicyRevision[];
  href: (path: string) => string;
}

export function PoliciesCard({ service, current, revisions, callees, policies, href }: PoliciesCardProps) {
  const lines = current === undefined ? [] : describePolicy(current.spec);
  const now = useNow(30_000);
  const outbound = callees
    .map((name) => ({ name, policy: policies.find((p) => p.service === name) }))
    .filter((x): x is { name: string; policy: PolicyRevision } => x.policy !== undefined);
  return (
    <section className="card" data-test="detail-policies">
      <div className="card-header">
        <h2>Policies that apply</h2>
        <span className="spacer" />
        <Link href={href(`/services/${encodeURIComponent(service)}/policy`)}>Open the editor</Link>
      </div>
      <div className="policy-columns">
        <div>
          <h3 className="subhead">Calls to {service}</h3>
          {current === undefined ? <p className="muted">Loading…</p> : lines.length === 0 ? (
            <p className="muted" data-test="detail-policy-defaults">Defaults: any version, one try, no timeout beyond the sidecar's, no breaker limits.</p>
          ) : (
            <dl className="kv" data-test="detail-policy-lines">
              {lines.map((l) => <div key={l.key}><dt>{l.label}</dt><dd>{l.value}</dd></div>)}
            </dl>
          )}
          {revisions.length === 0 ? null : (
            <ol className="revisions" data-test="detail-revisions">
              {revisions.slice(0, 5).map((r) => (
                <li key={r.revision}>
                  <span className="mono">r{r.revision}</span> <span>{r.message}</span>{" "}
                  <span className="faint">{r.author} · {formatAge(r.createdAt, now)}</span>
                </li>
              ))}
            </ol>
          )}
        </div>
        <div>
          <h3 className="subhead">Its calls to others</h3>
          {outbound.length === 0 ? <p className="muted">No service it calls has a policy: defaults apply.</p> : (
            <ul className="plain-list" data-test="detail-outbound-policies">
              {outbound.map(({ name, policy }) => {
                const f = policyFeatures(policy.spec);
                const tags = [f.shifting && "traffic shifting", f.retries && "retries", f.timeouts && "timeouts", f.fault && "fault injection", f.breaker && "circuit breaker"].filter(Boolean);
                return (
                  <li key={name}>
                    <Link href={href(`/services/${encodeURIComponent(name)}/policy`)}>{name}</Link>{" "}
                    <span className="mono faint">r{policy.revision}</span>{" "}
                    <span className="muted">{tags.length === 0 ? "defaults" : tags.join(" · ")}</span>
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}
