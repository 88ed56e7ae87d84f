// Which part of a large graph is on screen. A big mesh opens on its problems — the worst edges by
// error rate and latency with their neighbourhood — and grows as the operator expands nodes; a name
// filter or "show all" overrides it. Pure.
import type { GraphEdge, GraphNode, GraphResponse } from "@trellis/mesh-model";
import { filterGraph, type GraphView } from "./graph-elements";

export const GRAPH_MODES = ["auto", "problems", "all"] as const;
export type GraphMode = (typeof GRAPH_MODES)[number];
export const DEFAULT_GRAPH_MODE: GraphMode = "auto";

/** Above this many services, "auto" opens on the problems instead of the whole graph. */
export const FOCUS_THRESHOLD = 80;
/** How many of the worst edges seed the problem view. */
export const WORST_EDGES = 12;
/** Neighbours kept per seed (busiest first) before the rest is hidden behind "+N". */
export const NEIGHBOURS_PER_SEED = 4;

export interface FocusedView extends GraphView {
  /** What is shown: the whole (filtered) graph, or the problem neighbourhood. */
  mode: "all" | "problems";
  /** Per shown node, how many of its neighbours are hidden (expanding shows them). */
  hidden: Record<string, number>;
  /** The seed edges of the problem view, worst first. */
  worst: string[];
}

/** Worst first: failing before degraded before the rest, then error rate, then p99, then traffic. */
export function worstEdges(edges: readonly GraphEdge[], limit = WORST_EDGES): GraphEdge[] {
  const rank = { failing: 0, degraded: 1, healthy: 2, unknown: 3 } as const;
  return edges
    .filter((e) => e.requestRate > 0 || e.health !== "unknown")
    .sort((a, b) =>
      rank[a.health] - rank[b.health]
      || b.errorRate - a.errorRate
      || (b.latencyMs?.p99 ?? 0) - (a.latencyMs?.p99 ?? 0)
      || b.requestRate - a.requestRate
      || (a.id < b.id ? -1 : 1))
    .slice(0, limit);
}

export function focusGraph(
  graph: Pick<GraphResponse, "nodes" | "edges">,
  options: { query: string; mode: GraphMode; expanded: ReadonlySet<string> },
): FocusedView {
  const base = filterGraph(graph, options.query);
  const problems = options.mode === "problems" || (options.mode === "auto" && options.query.trim() === "" && base.nodes.length > FOCUS_THRESHOLD);
  if (!problems) {
    const expandedView = withExpanded(graph, base, options.expanded);
    return { ...expandedView, mode: "all", hidden: hiddenCounts(graph, expandedView), worst: [] };
  }
  const worst = worstEdges(base.edges);
  const keep = new Set<string>();
  for (const e of worst) keep.add(e.source).add(e.target);
  // A little context around each seed: its busiest neighbours.
  const adjacency = adjacencyOf(base.edges);
  for (const seed of [...keep]) {
    const around = (adjacency.get(seed) ?? []).sort((a, b) => b.requestRate - a.requestRate).slice(0, NEIGHBOURS_PER_SEED);
    for (const e of around) keep.add(e.source).add(e.target);
  }
  const view = restrict(base.nodes, base.edges, keep, new Set(worst.flatMap((e) => [e.source, e.target])));
  const expandedView = withExpanded(graph, view, options.expanded);
  return { ...expandedView, mode: "problems", hidden: hiddenCounts(graph, expandedView), worst: worst.map((e) => e.id) };
}

function adjacencyOf(edges: readonly GraphEdge[]): Map<string, GraphEdge[]> {
  const out = new Map<string, GraphEdge[]>();
  for (const e of edges) {
    for (const end of [e.source, e.target]) {
      const list = out.get(end);
      if (list === undefined) out.set(end, [e]);
      else list.push(e);
    }
  }
  return out;
}

function restrict(nodes: readonly GraphNode[], edges: readonly GraphEdge[], keep: ReadonlySet<string>, matched: ReadonlySet<string>): GraphView {
  return {
    nodes: nodes.filter((n) => keep.has(n.id)),
    edges: edges.filter((e) => keep.has(e.source) && keep.has(e.target)),
    matched,
  };
}

/** Adds every direct neighbour of each expanded node that is on screen. */
function withExpanded(graph: Pick<GraphResponse, "nodes" | "edges">, view: GraphView, expanded: ReadonlySet<string>): GraphView {
  if (expanded.size === 0) return view;
  const keep = new Set(view.nodes.map((n) => n.id));
  const known = new Set(graph.nodes.map((n) => n.id));
  for (const e of graph.edges) {
    if (!known.has(e.source) || !known.has(e.target)) continue;
    if (expanded.has(e.source) && keep.has(e.source)) keep.add(e.target);
    if (expanded.has(e.target) && keep.has(e.target)) keep.add(e.source);
  }
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const sorted = restrict([...graph.nodes].sort(byId), [...graph.edges].sort(byId), keep, view.matched);
  return sorted;
}

function hiddenCounts(graph: Pick<GraphResponse, "nodes" | "edges">, view: GraphView): Record<string, number> {
  const shown = new Set(view.nodes.map((n) => n.id));
  const known = new Set(graph.nodes.map((n) => n.id));
  const hidden: Record<string, Set<string>> = {};
  for (const e of graph.edges) {
    if (!known.has(e.source) || !known.has(e.target)) continue;
    if (shown.has(e.source) && !shown.has(e.target)) (hidden[e.source] ??= new Set()).add(e.target);
    if (shown.has(e.target) && !shown.has(e.source)) (hidden[e.target] ??= new Set()).add(e.source);
  }
  return Object.fromEntries(Object.entries(hidden).map(([id, set]) => [id, set.size]));
}

/** `expand=a,b` in the URL. */
export function parseExpanded(text: string): Set<string> {
  return new Set(text.split(",").map((s) => s.trim()).filter((s) => s !== ""));
}

export function formatExpanded(expanded: ReadonlySet<string>): string {
  return [...expanded].sort().join(",");
}
