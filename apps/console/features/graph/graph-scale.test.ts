// The graph at scale: the problem view, expansion, the fast layout and stable positions. Pure.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OUTCOMES, type GraphEdge, type GraphNode, type GraphResponse } from "@trellis/mesh-model";
import { sampleGraph } from "../../fixtures/sample-mesh";
import { fastLayout } from "./fast-layout";
import { FOCUS_THRESHOLD, WORST_EDGES, focusGraph, formatExpanded, parseExpanded, worstEdges } from "./graph-focus";
import { NODE_HEIGHT, NODE_WIDTH, edgeOverlay, filterGraph, nodeBadges, toFlowEdges, LABEL_ALL_EDGES_UP_TO } from "./graph-elements";
import { stabiliseLayout } from "./layout-cache";

/** A generated mesh: `n` services in tiers, `m` edges, a few of them failing or slow. */
function mesh(n: number, m: number): Pick<GraphResponse, "nodes" | "edges"> {
  const name = (i: number) => `svc-${String(i).padStart(4, "0")}`;
  const nodes: GraphNode[] = Array.from({ length: n }, (_, i) => ({ id: name(i), service: name(i), versions: ["v1"], requestRate: 1, errorRate: 0, health: "healthy" }));
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  while (edges.length < m) {
    const a = Math.floor(rnd() * (n - 1));
    const b = a + 1 + Math.floor(rnd() * Math.min(40, n - a - 1));
    const id = `${name(a)}->${name(b)}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const k = edges.length;
    const failing = k % 400 === 5;
    edges.push({
      id, source: name(a), target: name(b), requestRate: 1 + (k % 13), errorRate: failing ? 0.2 + (k % 7) / 100 : 0,
      latencyMs: { p50: 5, p95: 20, p99: k % 250 === 3 ? 900 : 40 },
      outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as GraphEdge["outcomes"], mtlsShare: 1, health: failing ? "failing" : "healthy",
    });
  }
  return { nodes, edges };
}

describe("problem view", () => {
  const big = mesh(1000, 3000);

  it("ranks edges failing first, then by error rate and p99", () => {
    const worst = worstEdges(sampleGraph.edges, 3);
    assert.deepEqual(worst.map((e) => e.id), ["checkout->payments", "frontend->checkout", "external->frontend"]);
  });

  it("opens a large mesh on the worst edges and a small neighbourhood, with hidden neighbours counted", () => {
    const view = focusGraph(big, { query: "", mode: "auto", expanded: new Set() });
    assert.equal(view.mode, "problems");
    assert.equal(view.worst.length, WORST_EDGES);
    const failing = big.edges.filter((e) => e.health === "failing");
    for (const e of failing.slice(0, WORST_EDGES)) assert.ok(view.worst.includes(e.id), e.id);
    assert.ok(view.nodes.length < 150, String(view.nodes.length));
    const shown = new Set(view.nodes.map((n) => n.id));
    assert.ok(view.edges.every((e) => shown.has(e.source) && shown.has(e.target)));
    assert.ok(Object.values(view.hidden).some((n) => n > 0));
  });

  it("expands a node on demand: all its neighbours appear, and it has none hidden any more", () => {
    const view = focusGraph(big, { query: "", mode: "auto", expanded: new Set() });
    const target = Object.entries(view.hidden).find(([, n]) => n > 0)![0];
    const more = focusGraph(big, { query: "", mode: "auto", expanded: new Set([target]) });
    assert.equal(more.hidden[target] ?? 0, 0);
    assert.equal(more.nodes.length, view.nodes.length + view.hidden[target]!);
  });

  it("shows everything on small meshes, on `all`, and filters by name on a big one", () => {
    assert.equal(focusGraph(sampleGraph, { query: "", mode: "auto", expanded: new Set() }).mode, "all");
    assert.ok(sampleGraph.nodes.length <= FOCUS_THRESHOLD);
    assert.equal(focusGraph(big, { query: "", mode: "all", expanded: new Set() }).nodes.length, 1000);
    const filtered = focusGraph(big, { query: "svc-0500", mode: "auto", expanded: new Set() });
    assert.equal(filtered.mode, "all");
    assert.deepEqual([...filtered.matched], ["svc-0500"]);
    assert.deepEqual(filtered.nodes.length, filterGraph(big, "svc-0500").nodes.length);
  });

  it("round-trips the expanded set through the URL", () => {
    assert.equal(formatExpanded(parseExpanded(" b, a ,,")), "a,b");
  });
});

describe("fastLayout", () => {
  it("lays out 1,000 services and 3,000 edges without overlaps, callers left of callees, quickly", () => {
    const big = mesh(1000, 3000);
    const started = performance.now();
    const layout = fastLayout(big);
    const ms = performance.now() - started;
    assert.ok(ms < 500, `${ms} ms`);
    const cells = new Set(Object.values(layout.positions).map((p) => `${p.x}:${p.y}`));
    assert.equal(cells.size, 1000, "one place per node");
    const left = big.edges.filter((e) => layout.positions[e.source]!.x <= layout.positions[e.target]!.x).length;
    assert.equal(left, big.edges.length, "no edge points left in an acyclic mesh");
    const xs = Object.values(layout.positions).map((p) => p.x);
    const ys = Object.values(layout.positions).map((p) => p.y);
    const width = Math.max(...xs) + NODE_WIDTH;
    const height = Math.max(...ys) + NODE_HEIGHT;
    assert.ok(width / height < 6 && height / width < 6, `aspect ${width}x${height}`);
  });

  it("survives cycles and self-loops", () => {
    const g = mesh(3, 0);
    const e = (s: string, t: string) => ({ ...mesh(2, 1).edges[0]!, id: `${s}->${t}`, source: s, target: t });
    g.edges = [e("svc-0000", "svc-0001"), e("svc-0001", "svc-0002"), e("svc-0002", "svc-0000"), e("svc-0001", "svc-0001")];
    assert.equal(Object.keys(fastLayout(g).positions).length, 3);
  });
});

describe("stabiliseLayout", () => {
  const at = (x: number, y: number) => ({ x, y });

  it("takes the fresh layout when nothing was placed before", () => {
    const fresh = { positions: { a: at(0, 0) }, routes: {} };
    assert.equal(stabiliseLayout(new Map(), { nodes: [{ id: "a" }] as GraphNode[], edges: [] }, fresh), fresh);
  });

  it("keeps cached nodes in place and puts a newcomer beside its caller on a free slot", () => {
    const cache = new Map([["a", at(0, 0)], ["b", at(314, 0)]]);
    const view = { nodes: [{ id: "a" }, { id: "b" }, { id: "c" }] as GraphNode[], edges: [{ id: "a->b", source: "a", target: "b" }, { id: "a->c", source: "a", target: "c" }] as GraphEdge[] };
    const fresh = { positions: { a: at(0, 100), b: at(314, 50), c: at(314, 150) }, routes: { "a->b": [at(0, 0), at(1, 1)] } };
    const out = stabiliseLayout(cache, view, fresh);
    assert.deepEqual(out.positions.a, at(0, 0));
    assert.deepEqual(out.positions.b, at(314, 0));
    assert.equal(out.positions.c!.x, 314, "right of its caller");
    assert.notEqual(out.positions.c!.y, 0, "not on top of b");
    assert.deepEqual(out.routes, {}, "routes of moved ends are dropped");
  });
});

describe("badges and labels", () => {
  it("marks breaker and ejection trouble from callers' outcomes, and policy features", () => {
    const g = mesh(3, 2);
    g.edges[0]!.outcomes = { ...g.edges[0]!.outcomes, breaker_open: 3 };
    const target = g.edges[0]!.target;
    const badges = nodeBadges(g, { [g.nodes[0]!.id]: { shifting: true, retries: false, timeouts: true, fault: false } });
    assert.deepEqual(badges[target], ["breaker"]);
    assert.deepEqual(badges[g.nodes[0]!.id], ["shifting", "timeouts"]);
  });

  it("labels every edge of a normal graph, only the troubled ones of a huge one, and locks mTLS edges", () => {
    const small = filterGraph(sampleGraph, "");
    const layout = { positions: {}, routes: {} };
    assert.ok(toFlowEdges(small, layout, "rps", null).every((e) => e.data!.showLabel));
    assert.equal(toFlowEdges(small, layout, "rps", null).find((e) => e.id === "frontend->catalog")!.data!.mtls, true);
    assert.equal(toFlowEdges(small, layout, "rps", null).find((e) => e.id === "external->frontend")!.data!.mtls, false);
    const huge = filterGraph(mesh(1000, 3000), "");
    assert.ok(huge.edges.length > LABEL_ALL_EDGES_UP_TO);
    const edges = toFlowEdges(huge, layout, "errors", null);
    assert.deepEqual(edges.filter((e) => e.data!.showLabel).map((e) => e.id), huge.edges.filter((e) => e.health === "failing").map((e) => e.id));
  });
});

describe("edge overlay", () => {
  it("batches a large graph's edges into one path per health state, labels only the troubled and the selected", () => {
    const big = mesh(1000, 3000);
    const view = filterGraph(big, "");
    const layout = fastLayout(big);
    const picked = big.edges[10]!;
    const overlay = edgeOverlay(view, layout, "rps", { kind: "edge", id: picked.id });
    const curves = (d: string) => (d.match(/M/g) ?? []).length;
    const failing = big.edges.filter((e) => e.health === "failing").length;
    assert.equal(curves(overlay.paths.failing), failing - (picked.health === "failing" ? 1 : 0));
    assert.equal(curves(overlay.paths.healthy) + curves(overlay.paths.failing) + curves(overlay.selected), 3000);
    assert.equal(curves(overlay.selected), 1);
    const labelled = overlay.labels.map((l) => l.id).sort();
    assert.deepEqual(labelled, [...big.edges.filter((e) => e.health === "failing").map((e) => e.id), picked.id].sort());
    const label = overlay.labels.find((l) => l.id === picked.id)!;
    const a = layout.positions[picked.source]!;
    const b = layout.positions[picked.target]!;
    assert.equal(label.x, (a.x + NODE_WIDTH + b.x) / 2, "label at the midpoint between caller's right and callee's left");
    assert.equal(label.selected, true);
  });
});
