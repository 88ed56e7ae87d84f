// The API's service graph turned into what gets drawn: the filtered view, the ELK graph to lay out,
// the layout read back, and the xyflow nodes and edges. Pure; the components only render these.
import { Position, type Edge, type Node, type NodeHandle } from "@xyflow/react";
import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api";
import { EXTERNAL_SOURCE, type GraphEdge, type GraphNode, type GraphResponse, type Health } from "@trellis/mesh-model";
import { formatMs, formatPercent, formatRate } from "../../lib/format";
import type { Point } from "./edge-geometry";
import { isSelected, type GraphSelection } from "./graph-selection";

export const NODE_WIDTH = 204;
export const NODE_HEIGHT = 60;

export const EDGE_METRICS = ["rps", "errors", "p99"] as const;
export type EdgeMetric = (typeof EDGE_METRICS)[number];
export const DEFAULT_EDGE_METRIC: EdgeMetric = "rps";

/** The part of the graph on screen: nodes sorted by id, edges only between those nodes. */
export interface GraphView {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Nodes whose name matches the filter (all of them when there is no filter). */
  matched: ReadonlySet<string>;
}

export interface GraphLayout {
  positions: Record<string, Point>;
  /** The route ELK drew for each edge, start to end, in the same coordinates as the nodes. */
  routes: Record<string, Point[]>;
}

export type ServiceNodeData = {
  service: string;
  versions: string[];
  health: Health;
  requestRate: number;
  errorRate: number;
  external: boolean;
  /** False for a neighbour shown only for context while a name filter is active. */
  matched: boolean;
  selected: boolean;
  badges: NodeBadge[];
  /** Neighbours not on screen; the node offers to expand them. */
  hidden: number;
};

/** What a node is marked with: trouble its callers saw, and what its policy does. */
export const NODE_BADGES = ["breaker", "ejected", "shifting", "retries", "timeouts", "fault"] as const;
export type NodeBadge = (typeof NODE_BADGES)[number];
export type ServiceFlowNode = Node<ServiceNodeData, "service">;

export type TrafficEdgeData = {
  health: Health;
  label: string;
  strokeWidth: number;
  route: Point[] | null;
  selected: boolean;
  /** All of the edge's requests in the window went over mutual TLS. */
  mtls: boolean;
  /** Labels of healthy edges are left out on very large graphs; problems and the selection keep theirs. */
  showLabel: boolean;
};
export type TrafficFlowEdge = Edge<TrafficEdgeData, "traffic">;

/**
 * Keeps the services whose name contains `query` (case-insensitive) plus their direct neighbours,
 * and the edges touching a match, so a filtered service is still seen with its callers and callees.
 * Edges whose ends are missing from the node list are dropped.
 */
export function filterGraph(graph: Pick<GraphResponse, "nodes" | "edges">, query: string): GraphView {
  const needle = query.trim().toLowerCase();
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const edges = graph.edges.filter((e) => byId.has(e.source) && byId.has(e.target));
  const matched = new Set(graph.nodes.filter((n) => needle === "" || n.service.toLowerCase().includes(needle)).map((n) => n.id));
  const keptEdges = edges.filter((e) => matched.has(e.source) || matched.has(e.target));
  const keptIds = new Set(matched);
  for (const e of keptEdges) keptIds.add(e.source).add(e.target);
  return {
    nodes: graph.nodes.filter((n) => keptIds.has(n.id)).sort(byIdOrder),
    edges: keptEdges.sort(byIdOrder),
    matched,
  };
}

function byIdOrder(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Identifies the shape of the graph; the layout is recomputed only when this changes, not on every refresh. */
export function structureKey(view: Pick<GraphView, "nodes" | "edges">): string {
  const nodes = view.nodes.map((n) => n.id).sort().join(",");
  const edges = view.edges.map((e) => `${e.source}>${e.target}`).sort().join(",");
  return `${nodes}|${edges}`;
}

const ELK_OPTIONS: Record<string, string> = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.edgeRouting": "ORTHOGONAL",
  "elk.layered.spacing.nodeNodeBetweenLayers": "120",
  "elk.spacing.nodeNode": "36",
  "elk.spacing.edgeNode": "24",
  "elk.spacing.edgeEdge": "14",
  "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
  "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
  "elk.separateConnectedComponents": "true",
  "elk.spacing.componentComponent": "48",
};

export function toElkGraph(view: Pick<GraphView, "nodes" | "edges">): ElkNode {
  return {
    id: "root",
    layoutOptions: ELK_OPTIONS,
    children: view.nodes.map((n) => ({ id: n.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: view.edges.map((e): ElkExtendedEdge => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
}

/** Reads node positions and edge routes from ELK's answer to toElkGraph. */
export function layoutFromElk(result: ElkNode): GraphLayout {
  const positions: Record<string, Point> = {};
  for (const child of result.children ?? []) positions[child.id] = { x: child.x ?? 0, y: child.y ?? 0 };
  const routes: Record<string, Point[]> = {};
  for (const edge of result.edges ?? []) {
    const section = edge.sections?.[0];
    if (section === undefined) continue;
    routes[edge.id] = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint].map((p) => ({ x: p.x, y: p.y }));
  }
  return { positions, routes };
}

export interface NodeExtras {
  badges?: Readonly<Record<string, NodeBadge[]>>;
  hidden?: Readonly<Record<string, number>>;
}

/**
 * Where xyflow attaches edges: the middle of a node's left (in) and right (out) side. Given with
 * the node, together with its size, xyflow never measures a node in the DOM (no ResizeObserver
 * pass over every node, no second render of all of them), and the nodes need no <Handle>.
 */
export const NODE_HANDLES: NodeHandle[] = [
  { type: "target", position: Position.Left, x: 0, y: NODE_HEIGHT / 2 - 0.5, width: 1, height: 1 },
  { type: "source", position: Position.Right, x: NODE_WIDTH - 1, y: NODE_HEIGHT / 2 - 0.5, width: 1, height: 1 },
];

export function toFlowNodes(view: GraphView, layout: GraphLayout, selection: GraphSelection, extras: NodeExtras = {}): ServiceFlowNode[] {
  return view.nodes.map((n) => ({
    id: n.id,
    type: "service",
    position: layout.positions[n.id] ?? { x: 0, y: 0 },
    width: NODE_WIDTH,
    height: NODE_HEIGHT,
    // Known size and handles up front: xyflow then never measures the nodes (not on the first
    // render, not on refreshes), so edges do not blink out and back and nothing is laid out twice.
    measured: { width: NODE_WIDTH, height: NODE_HEIGHT },
    handles: NODE_HANDLES,
    selected: isSelected(selection, "node", n.id),
    data: {
      service: n.service,
      versions: n.versions,
      health: n.health,
      requestRate: n.requestRate,
      errorRate: n.errorRate,
      external: n.service === EXTERNAL_SOURCE,
      matched: view.matched.has(n.id),
      selected: isSelected(selection, "node", n.id),
      badges: extras.badges?.[n.id] ?? [],
      hidden: extras.hidden?.[n.id] ?? 0,
    },
  }));
}

/**
 * `next` with every node that draws the same as its previous version (same position, selection and
 * data) replaced by that previous object, and `previous` updated to what is returned. xyflow keeps
 * the internal node of an unchanged object, so a refresh or an unrelated update re-renders only the
 * nodes that changed.
 */
export function reuseUnchangedNodes(previous: Map<string, ServiceFlowNode>, next: ServiceFlowNode[]): ServiceFlowNode[] {
  const out = next.map((n) => {
    const old = previous.get(n.id);
    return old !== undefined && sameNode(old, n) ? old : n;
  });
  previous.clear();
  for (const n of out) previous.set(n.id, n);
  return out;
}

function sameNode(a: ServiceFlowNode, b: ServiceFlowNode): boolean {
  if (a.position.x !== b.position.x || a.position.y !== b.position.y || a.selected !== b.selected) return false;
  const x = a.data;
  const y = b.data;
  return x.service === y.service && x.health === y.health && x.requestRate === y.requestRate && x.errorRate === y.errorRate
    && x.external === y.external && x.matched === y.matched && x.selected === y.selected && x.hidden === y.hidden
    && sameList(x.versions, y.versions) && sameList(x.badges, y.badges);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Past this many edges only unhealthy (and selected) edges carry a label, so the graph stays legible and fast. */
export const LABEL_ALL_EDGES_UP_TO = 400;

export function toFlowEdges(view: GraphView, layout: GraphLayout, metric: EdgeMetric, selection: GraphSelection): TrafficFlowEdge[] {
  const labelAll = view.edges.length <= LABEL_ALL_EDGES_UP_TO;
  return view.edges.map((e) => ({
    id: e.id,
    type: "traffic",
    source: e.source,
    target: e.target,
    selected: isSelected(selection, "edge", e.id),
    data: {
      health: e.health,
      label: edgeLabel(e, metric),
      strokeWidth: edgeStrokeWidth(e.requestRate),
      route: layout.routes[e.id] ?? null,
      selected: isSelected(selection, "edge", e.id),
      mtls: e.requestRate > 0 && e.mtlsShare >= 0.999,
      showLabel: labelAll || e.health === "failing" || e.health === "degraded" || isSelected(selection, "edge", e.id),
    },
  }));
}

export function edgeLabel(edge: GraphEdge, metric: EdgeMetric): string {
  switch (metric) {
    case "rps":
      return formatRate(edge.requestRate);
    case "errors":
      return `${formatPercent(edge.errorRate)} err`;
    case "p99":
      return `p99 ${formatMs(edge.latencyMs?.p99)}`;
  }
}

/**
 * Badges per node: an open breaker (callers were short-circuited) or ejected endpoints (callers
 * picked around them) from the outcomes its callers reported, and what its policy does.
 */
export function nodeBadges(
  view: Pick<GraphView, "nodes" | "edges">,
  policyFeatures: Readonly<Record<string, { shifting: boolean; retries: boolean; timeouts: boolean; fault: boolean }>>,
): Record<string, NodeBadge[]> {
  const out: Record<string, NodeBadge[]> = {};
  const inbound = new Map<string, { breaker: number; ejected: number }>();
  for (const e of view.edges) {
    const acc = inbound.get(e.target) ?? { breaker: 0, ejected: 0 };
    acc.breaker += e.outcomes.breaker_open ?? 0;
    acc.ejected += (e.outcomes as Record<string, number>)["ejected_avoided"] ?? 0;
    inbound.set(e.target, acc);
  }
  for (const n of view.nodes) {
    const seen = inbound.get(n.id);
    const f = policyFeatures[n.id];
    const badges: NodeBadge[] = [];
    if ((seen?.breaker ?? 0) > 0) badges.push("breaker");
    if ((seen?.ejected ?? 0) > 0) badges.push("ejected");
    if (f?.shifting) badges.push("shifting");
    if (f?.retries) badges.push("retries");
    if (f?.timeouts) badges.push("timeouts");
    if (f?.fault) badges.push("fault");
    if (badges.length > 0) out[n.id] = badges;
  }
  return out;
}

/** Busier edges are drawn thicker, on a log scale so one hot edge does not dwarf the rest. */
export function edgeStrokeWidth(requestRate: number): number {
  const extra = Math.min(3, Math.log10(1 + Math.max(0, requestRate)) * 1.2);
  return Math.round((1.25 + extra) * 100) / 100;
}

/** Past this many services the edges are drawn by one batched SVG overlay instead of an xyflow edge each. */
export const OVERLAY_EDGES_ABOVE_NODES = 200;

export interface OverlayLabel {
  id: string;
  source: string;
  target: string;
  x: number;
  y: number;
  label: string;
  health: Health;
  mtls: boolean;
  selected: boolean;
}

export interface EdgeOverlay {
  /** One SVG path per health state, every edge of that state in it (a handful of DOM nodes for thousands of edges). */
  paths: Record<Health, string>;
  /** The selected edge, drawn on top. */
  selected: string;
  /** Labels of the edges that keep one (see toFlowEdges' showLabel), at the curve's midpoint. */
  labels: OverlayLabel[];
}

/**
 * The edges of a large graph as a few batched curves from each caller's right side to the callee's
 * left side, plus the labels worth showing. Pure.
 */
export function edgeOverlay(view: GraphView, layout: GraphLayout, metric: EdgeMetric, selection: GraphSelection): EdgeOverlay {
  const paths: Record<Health, string[]> = { healthy: [], degraded: [], failing: [], unknown: [] };
  let selected = "";
  const labels: OverlayLabel[] = [];
  const flow = toFlowEdges(view, layout, metric, selection);
  const r = (n: number) => Math.round(n);
  for (const e of flow) {
    const a = layout.positions[e.source];
    const b = layout.positions[e.target];
    if (a === undefined || b === undefined || e.data === undefined) continue;
    const sx = a.x + NODE_WIDTH;
    const sy = a.y + NODE_HEIGHT / 2;
    const tx = b.x;
    const ty = b.y + NODE_HEIGHT / 2;
    const bend = Math.max(40, Math.abs(tx - sx) / 2);
    const d = `M${r(sx)} ${r(sy)}C${r(sx + bend)} ${r(sy)} ${r(tx - bend)} ${r(ty)} ${r(tx)} ${r(ty)}`;
    if (e.data.selected) selected = d;
    else paths[e.data.health].push(d);
    if (e.data.showLabel) {
      // The midpoint of this symmetric cubic is the midpoint of its ends.
      labels.push({ id: e.id, source: e.source, target: e.target, x: (sx + tx) / 2, y: (sy + ty) / 2, label: e.data.label, health: e.data.health, mtls: e.data.mtls, selected: e.data.selected });
    }
  }
  return {
    paths: { healthy: paths.healthy.join(""), degraded: paths.degraded.join(""), failing: paths.failing.join(""), unknown: paths.unknown.join("") },
    selected,
    labels,
  };
}
