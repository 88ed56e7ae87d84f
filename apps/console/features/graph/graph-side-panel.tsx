"use client";
// Details of the selected service or call: golden metrics, and for a call its outcome counts.
import { OUTCOMES, type GraphEdge, type GraphNode, type ServiceSummary } from "@trellis/mesh-model";
import Link from "next/link";
import type { ReactNode } from "react";
import { HealthBadge } from "../../components/health-badge";
import { formatCount, formatMs, formatPercent, formatRate } from "../../lib/format";
import type { GraphSelection } from "./graph-selection";
import styles from "./graph.module.css";

interface GraphSidePanelProps {
  selection: Exclude<GraphSelection, null>;
  nodes: readonly GraphNode[];
  edges: readonly GraphEdge[];
  services: readonly ServiceSummary[] | undefined;
  windowLabel: string;
  onSelect: (selection: GraphSelection) => void;
}

export function GraphSidePanel({ selection, nodes, edges, services, windowLabel, onSelect }: GraphSidePanelProps) {
  const node = selection.kind === "node" ? nodes.find((n) => n.id === selection.id) : undefined;
  const edge = selection.kind === "edge" ? edges.find((e) => e.id === selection.id) : undefined;
  return (
    <aside className={styles.panel} data-test="graph-side-panel" data-kind={selection.kind} data-id={selection.id} aria-label="Selection details">
      <div className={styles.panelHeader}>
        <span className="faint">{selection.kind === "node" ? "Service" : "Calls"}</span>
        <button type="button" className="btn btn-icon" data-test="graph-side-panel-close" aria-label="Close details" onClick={() => onSelect(null)}>✕</button>
      </div>
      {node !== undefined ? (
        <NodeDetails node={node} edges={edges} service={services?.find((s) => s.name === node.service)} onSelect={onSelect} />
      ) : edge !== undefined ? (
        <EdgeDetails edge={edge} />
      ) : (
        <div className={styles.panelBody}>
          <h2 className={styles.panelTitle} data-test="graph-panel-title">{selection.kind === "node" ? selection.id : selection.id.replace("->", " → ")}</h2>
          <p className="muted" data-test="graph-panel-missing">Not in the graph for the last {windowLabel}: no traffic was recorded, or a filter hides it.</p>
        </div>
      )}
    </aside>
  );
}

function Metric({ label, value, test }: { label: string; value: ReactNode; test: string }) {
  return (
    <div className={styles.metric}>
      <dt>{label}</dt>
      <dd className="num" data-test={`graph-panel-${test}`}>{value}</dd>
    </div>
  );
}

function NodeDetails({ node, edges, service, onSelect }: { node: GraphNode; edges: readonly GraphEdge[]; service: ServiceSummary | undefined; onSelect: (s: GraphSelection) => void }) {
  const incoming = edges.filter((e) => e.target === node.id);
  const outgoing = edges.filter((e) => e.source === node.id);
  return (
    <div className={styles.panelBody}>
      <h2 className={styles.panelTitle} data-test="graph-panel-title">{node.service}</h2>
      <div className={styles.panelLine}>
        <HealthBadge health={node.health} testId="graph-panel-health" />
        {node.versions.map((v) => <span key={v} className="version-chip">{v}</span>)}
        <Link href={`/services/${encodeURIComponent(node.service)}`} className={styles.linkButton} style={{ marginLeft: "auto" }} data-test="graph-panel-details">Details</Link>
        <Link href={`/services/${encodeURIComponent(node.service)}/policy`} className={styles.linkButton} data-test="graph-panel-policy">Edit policy</Link>
      </div>
      <dl className={styles.metrics}>
        <Metric label="Requests" value={formatRate(node.requestRate)} test="rps" />
        <Metric label="Errors" value={formatPercent(node.errorRate)} test="error-rate" />
        <Metric label="Success" value={node.requestRate > 0 ? formatPercent(1 - node.errorRate) : "—"} test="success-rate" />
        <Metric label="p50" value={formatMs(service?.latencyMs?.p50)} test="p50" />
        <Metric label="p95" value={formatMs(service?.latencyMs?.p95)} test="p95" />
        <Metric label="p99" value={formatMs(service?.latencyMs?.p99)} test="p99" />
        <Metric label="Instances" value={service === undefined ? "—" : `${service.instances.up}/${service.instances.total} up`} test="instances" />
      </dl>
      <EdgeList title="Called by" edges={incoming} peer={(e) => e.source} onSelect={onSelect} test="incoming" />
      <EdgeList title="Calls" edges={outgoing} peer={(e) => e.target} onSelect={onSelect} test="outgoing" />
    </div>
  );
}

function EdgeList({ title, edges, peer, onSelect, test }: { title: string; edges: GraphEdge[]; peer: (e: GraphEdge) => string; onSelect: (s: GraphSelection) => void; test: string }) {
  if (edges.length === 0) return null;
  return (
    <section className={styles.panelSection} data-test={`graph-panel-${test}`}>
      <h3>{title}</h3>
      <ul className={styles.edgeList}>
        {edges.map((e) => (
          <li key={e.id}>
            <button type="button" className={styles.linkButton} onClick={() => onSelect({ kind: "edge", id: e.id })}>
              <span className={styles.healthDot} style={{ background: `var(--health-${e.health})` }} aria-hidden="true" />
              {peer(e)}
            </button>
            <span className="num muted">{formatRate(e.requestRate)} · {formatPercent(e.errorRate)} err</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function EdgeDetails({ edge }: { edge: GraphEdge }) {
  const total = OUTCOMES.reduce((sum, o) => sum + (edge.outcomes[o] ?? 0), 0);
  return (
    <div className={styles.panelBody}>
      <h2 className={styles.panelTitle} data-test="graph-panel-title">{edge.source} → {edge.target}</h2>
      <div className={styles.panelLine}>
        <HealthBadge health={edge.health} testId="graph-panel-health" />
        <span className="muted" data-test="graph-panel-mtls">mTLS {formatPercent(edge.mtlsShare)}</span>
      </div>
      <dl className={styles.metrics}>
        <Metric label="Requests" value={formatRate(edge.requestRate)} test="rps" />
        <Metric label="Errors" value={formatPercent(edge.errorRate)} test="error-rate" />
        <Metric label="Success" value={edge.requestRate > 0 ? formatPercent(1 - edge.errorRate) : "—"} test="success-rate" />
        <Metric label="p50" value={formatMs(edge.latencyMs?.p50)} test="p50" />
        <Metric label="p95" value={formatMs(edge.latencyMs?.p95)} test="p95" />
        <Metric label="p99" value={formatMs(edge.latencyMs?.p99)} test="p99" />
      </dl>
      <section className={styles.panelSection}>
        <h3>Outcomes</h3>
        <table className={styles.outcomes} data-test="graph-panel-outcomes">
          <tbody>
            {OUTCOMES.map((outcome) => {
              const count = edge.outcomes[outcome] ?? 0;
              return (
                <tr key={outcome} data-test={`graph-panel-outcome-${outcome}`} data-count={count} className={count === 0 ? "faint" : undefined}>
                  <td>{outcome.replaceAll("_", " ")}</td>
                  <td className="num">{formatCount(count)}</td>
                  <td className="num">{total > 0 ? formatPercent(count / total) : "—"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
    </div>
  );
}
