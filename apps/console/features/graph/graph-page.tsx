"use client";
// The graph page (home): services as nodes, calls as edges, details of the selection on the side.
import { useCallback, useEffect, useMemo, useRef } from "react";
import { EmptyState, ErrorState, LoadingState, StaleBanner } from "../../components/query-state";
import { FilterInput } from "../../components/filter-input";
import { PageHeader } from "../../components/page-header";
import { useGlobalView, useUrlState } from "../../lib/use-url-state";
import { windowPhrase } from "../../lib/view-state";
import { useServices } from "../services/use-services";
import { warmUpLayoutEngine } from "./compute-layout";
import { GraphCanvas } from "./graph-canvas";
import {
  DEFAULT_EDGE_METRIC, EDGE_METRICS, OVERLAY_EDGES_ABOVE_NODES, edgeOverlay, nodeBadges, reuseUnchangedNodes, toFlowEdges, toFlowNodes, type EdgeMetric,
  type ServiceFlowNode,
} from "./graph-elements";
import { formatSelection, parseSelection, type GraphSelection } from "./graph-selection";
import { GraphSidePanel } from "./graph-side-panel";
import { useGraph, useGraphLayout } from "./use-graph";
import { DEFAULT_GRAPH_MODE, GRAPH_MODES, focusGraph, formatExpanded, parseExpanded, type GraphMode } from "./graph-focus";
import { GraphExpandContext } from "./graph-actions";
import { usePolicies } from "../service-detail/use-service-detail";
import { policyFeatures } from "../service-detail/policy-summary";
import styles from "./graph.module.css";

const METRIC_LABELS: Record<EdgeMetric, string> = { rps: "Request rate", errors: "Error rate", p99: "p99 latency" };
const MODE_LABELS: Record<GraphMode, string> = { auto: "Auto", problems: "Problems", all: "All" };

export function GraphPage() {
  const { window, refreshMs } = useGlobalView();
  const url = useUrlState();
  const query = url.text("q");
  const metric = url.choice("metric", EDGE_METRICS, DEFAULT_EDGE_METRIC);
  const selectionText = url.text("sel");
  const selection = useMemo(() => parseSelection(selectionText), [selectionText]);
  const graph = useGraph(window, refreshMs);
  // The side panel shows latency and instances, which the graph's nodes do not carry; fetched only
  // while a node is selected (on a big mesh it costs the control plane as much as the graph).
  const services = useServices(window, refreshMs, selection?.kind === "node");

  const mode = url.choice("view", GRAPH_MODES, DEFAULT_GRAPH_MODE);
  const expandedText = url.text("expand");
  const expanded = useMemo(() => parseExpanded(expandedText), [expandedText]);
  const policies = usePolicies(refreshMs);

  // ELK is needed unless the whole of a large mesh is shown: load and warm it while the graph's
  // API call is on the way, instead of after it.
  const willUseElk = mode !== "all";
  useEffect(() => {
    if (willUseElk) void warmUpLayoutEngine();
  }, [willUseElk]);

  const data = graph.data;
  const view = useMemo(() => focusGraph(data ?? { nodes: [], edges: [] }, { query, mode, expanded }), [data, query, mode, expanded]);
  // Positions are remembered per kind of view, so a refresh or an expansion moves nothing.
  const cacheName = query.trim() !== "" ? `q:${query.trim().toLowerCase()}` : view.mode;
  const layout = useGraphLayout(view, cacheName);
  const features = useMemo(() => Object.fromEntries((policies.data?.policies ?? []).map((p) => [p.service, policyFeatures(p.spec)])), [policies.data]);
  // Node objects that did not change are reused, so xyflow re-renders only the nodes that did.
  const previousNodes = useRef(new Map<string, ServiceFlowNode>());
  const elements = useMemo(() => {
    if (layout.data === undefined) return undefined;
    const { layout: positioned, structureKey } = layout.data;
    // While a new structure is laid out (milliseconds), keep drawing what already has a position.
    const has = (id: string) => positioned.positions[id] !== undefined;
    // A large graph's edges go into one batched layer; xyflow then only handles the nodes.
    const batched = view.nodes.length > OVERLAY_EDGES_ABOVE_NODES;
    return {
      structureKey,
      nodes: reuseUnchangedNodes(previousNodes.current, toFlowNodes(view, positioned, selection, { badges: nodeBadges(view, features), hidden: view.hidden }).filter((n) => has(n.id))),
      edges: batched ? [] : toFlowEdges(view, positioned, metric, selection).filter((e) => has(e.source) && has(e.target)),
      overlay: batched ? edgeOverlay(view, positioned, metric, selection) : undefined,
    };
  }, [layout.data, view, selection, metric, features]);
  // Stable callbacks: every node reads them from context, so a new function would re-render them all.
  const setUrl = url.set;
  const toggleExpand = useCallback((id: string) => {
    const next = new Set(expanded);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setUrl([["expand", formatExpanded(next)]]);
  }, [expanded, setUrl]);
  const select = useCallback((next: GraphSelection) => setUrl([["sel", formatSelection(next)]]), [setUrl]);

  let body;
  if (data === undefined) {
    body = graph.isError ? <ErrorState error={graph.error} /> : <LoadingState what="the service graph" />;
  } else if (data.nodes.length === 0) {
    body = (
      <EmptyState title={`No traffic in the last ${windowPhrase(window)}.`} testId="graph-empty">
        Services appear here once their sidecars report requests to the control plane. Send some traffic, or pick a longer window.
      </EmptyState>
    );
  } else if (view.nodes.length === 0) {
    body = <EmptyState title={`No service matches “${query}”.`} testId="graph-no-match">Clear the filter to see the whole graph.</EmptyState>;
  } else if (elements === undefined || elements.nodes.length === 0) {
    // Nothing placed yet (the first layout of this page is on its way): the canvas mounts with the
    // placed nodes, fitted to them from its first frame.
    body = <LoadingState what="the layout" />;
  } else {
    // A new structure remounts the canvas, which fits it to the view; refreshes keep zoom and pan.
    body = (
      <GraphExpandContext.Provider value={toggleExpand}>
        <GraphCanvas key={cacheName} nodes={elements.nodes} edges={elements.edges} structureKey={elements.structureKey} onSelect={select} overlay={elements.overlay} />
      </GraphExpandContext.Provider>
    );
  }

  return (
    <div className={styles.page} data-test="graph-page" data-metric={metric}>
      <div className={styles.toolbar}>
        <PageHeader title="Service graph" generatedAt={data?.generatedAt} window={window} />
        <span className="spacer" />
        <FilterInput param="q" placeholder="Filter services by name" testId="graph-filter" />
        <div className="control-label">
          <span id="graph-mode-label">Show</span>
          <div className="seg" role="group" aria-labelledby="graph-mode-label" data-test="graph-mode" data-value={mode} data-showing={view.mode}>
            {GRAPH_MODES.map((m) => (
              <button key={m} type="button" aria-pressed={m === mode} data-test={`graph-mode-${m}`} onClick={() => url.set([["view", m, DEFAULT_GRAPH_MODE], ["expand", ""]])}
                title={m === "auto" ? "The problems on a large mesh, everything on a small one" : m === "problems" ? "The worst edges by error rate and latency, with their neighbourhood" : "Every service"}>
                {MODE_LABELS[m]}
              </button>
            ))}
          </div>
        </div>
        <div className="control-label">
          <span id="graph-metric-label">Edge labels</span>
          <div className="seg" role="group" aria-labelledby="graph-metric-label" data-test="graph-metric" data-value={metric}>
            {EDGE_METRICS.map((m) => (
              <button key={m} type="button" aria-pressed={m === metric} data-test={`graph-metric-${m}`} onClick={() => url.set([["metric", m, DEFAULT_EDGE_METRIC]])}>
                {METRIC_LABELS[m]}
              </button>
            ))}
          </div>
        </div>
      </div>
      {graph.isError && data !== undefined ? <div className={styles.bannerRow}><StaleBanner error={graph.error} /></div> : null}
      <div className={styles.body}>
        <div className={styles.stage}>
          {body}
          {data !== undefined && view.nodes.length > 0 ? (
            <Legend count={{ nodes: view.nodes.length, edges: view.edges.length }} total={{ nodes: data.nodes.length, edges: data.edges.length }} problems={view.mode === "problems" ? view.worst.length : null} />
          ) : null}
        </div>
        {selection === null ? null : (
          <GraphSidePanel
            selection={selection}
            nodes={view.nodes}
            edges={view.edges}
            services={services.data?.services}
            windowLabel={windowPhrase(window)}
            onSelect={select}
          />
        )}
      </div>
    </div>
  );
}

function Legend({ count, total, problems }: { count: { nodes: number; edges: number }; total: { nodes: number; edges: number }; problems: number | null }) {
  const partial = count.nodes < total.nodes;
  return (
    <div className={styles.legend} data-test="graph-legend">
      <span data-test="graph-counts" data-nodes={count.nodes} data-edges={count.edges} data-total-nodes={total.nodes}>
        {plural(count.nodes, "service")} · {plural(count.edges, "edge")}{partial ? ` of ${total.nodes} · ${total.edges}` : ""}
      </span>
      {problems === null ? null : <span className={styles.legendNote} data-test="graph-problems">the {problems} worst edges and their neighbourhood; + expands a node</span>}
      {(["healthy", "degraded", "failing", "unknown"] as const).map((h) => (
        <span key={h} className={styles.legendItem}>
          <span className={styles.healthDot} style={{ background: `var(--health-${h})` }} aria-hidden="true" />
          {h}
        </span>
      ))}
    </div>
  );
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
