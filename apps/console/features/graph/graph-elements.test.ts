import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { GraphResponse } from "@trellis/mesh-model";
import { sampleGraph } from "../../fixtures/sample-mesh";
import {
  edgeLabel, edgeStrokeWidth, filterGraph, layoutFromElk, reuseUnchangedNodes, structureKey, toElkGraph, toFlowEdges, toFlowNodes,
  NODE_HEIGHT, NODE_WIDTH,
} from "./graph-elements";
import { computeLayout } from "./compute-layout";
import { formatSelection, parseSelection } from "./graph-selection";

const edgeOf = (id: string) => sampleGraph.edges.find((e) => e.id === id)!;

describe("filterGraph", () => {
  it("keeps everything, sorted by id, without a filter", () => {
    const view = filterGraph(sampleGraph, "  ");
    assert.equal(view.nodes.length, sampleGraph.nodes.length);
    assert.equal(view.edges.length, sampleGraph.edges.length);
    assert.deepEqual(view.nodes.map((n) => n.id), [...sampleGraph.nodes.map((n) => n.id)].sort());
    assert.equal(view.matched.size, sampleGraph.nodes.length);
  });

  it("keeps matches with their direct neighbours, and only the edges touching a match", () => {
    const view = filterGraph(sampleGraph, "PAY");
    assert.deepEqual(view.nodes.map((n) => n.id), ["checkout", "payments"]);
    assert.deepEqual(view.edges.map((e) => e.id), ["checkout->payments"]);
    assert.deepEqual([...view.matched], ["payments"]);
  });

  it("drops edges whose ends are not nodes of the graph", () => {
    const graph: Pick<GraphResponse, "nodes" | "edges"> = { nodes: sampleGraph.nodes.slice(1, 2), edges: [edgeOf("external->frontend")] };
    assert.deepEqual(filterGraph(graph, "").edges, []);
  });
});

describe("structureKey", () => {
  it("ignores metric changes and order, but not a new edge", () => {
    const a = filterGraph(sampleGraph, "");
    const refreshed = filterGraph({
      nodes: [...sampleGraph.nodes].reverse().map((n) => ({ ...n, requestRate: n.requestRate * 2, health: "failing" as const })),
      edges: sampleGraph.edges.map((e) => ({ ...e, errorRate: 0.5 })),
    }, "");
    assert.equal(structureKey(a), structureKey(refreshed));
    const grown = filterGraph({ nodes: sampleGraph.nodes, edges: [...sampleGraph.edges, { ...edgeOf("checkout->payments"), id: "payments->inventory", source: "payments", target: "inventory" }] }, "");
    assert.notEqual(structureKey(a), structureKey(grown));
  });
});

describe("ELK graph and layout", () => {
  it("builds a layered left-to-right ELK graph with fixed node sizes", () => {
    const elk = toElkGraph(filterGraph(sampleGraph, ""));
    assert.equal(elk.layoutOptions?.["elk.algorithm"], "layered");
    assert.equal(elk.layoutOptions?.["elk.direction"], "RIGHT");
    assert.equal(elk.children?.length, 7);
    assert.ok(elk.children?.every((c) => c.width === NODE_WIDTH && c.height === NODE_HEIGHT));
    assert.deepEqual(elk.edges?.find((e) => e.id === "frontend->checkout"), { id: "frontend->checkout", sources: ["frontend"], targets: ["checkout"] });
  });

  it("reads positions and routes back from ELK's answer", () => {
    const layout = layoutFromElk({
      id: "root",
      children: [{ id: "a", x: 10, y: 20 }, { id: "b" }],
      edges: [{ id: "a->b", sources: ["a"], targets: ["b"], sections: [{ id: "s", startPoint: { x: 1, y: 2 }, bendPoints: [{ x: 3, y: 2 }], endPoint: { x: 3, y: 9 } }] }],
    });
    assert.deepEqual(layout.positions, { a: { x: 10, y: 20 }, b: { x: 0, y: 0 } });
    assert.deepEqual(layout.routes["a->b"], [{ x: 1, y: 2 }, { x: 3, y: 2 }, { x: 3, y: 9 }]);
  });

  it("lays callers left of callees, deterministically", async () => {
    const view = filterGraph(sampleGraph, "");
    const first = await computeLayout(view);
    const second = await computeLayout(filterGraph({ nodes: [...sampleGraph.nodes].reverse(), edges: [...sampleGraph.edges].reverse() }, ""));
    assert.deepEqual(first, second);
    for (const e of view.edges) assert.ok(first.positions[e.source]!.x < first.positions[e.target]!.x, e.id);
    assert.equal(Object.keys(first.routes).length, view.edges.length);
    assert.deepEqual(await computeLayout({ nodes: [], edges: [] }), { positions: {}, routes: {} });
  });
});

describe("xyflow elements", () => {
  const view = filterGraph(sampleGraph, "checkout");
  const layout = { positions: { checkout: { x: 300, y: 40 } }, routes: { "checkout->payments": [{ x: 0, y: 0 }, { x: 5, y: 0 }] } };

  it("makes one service node per service, marking context neighbours and the selection", () => {
    const nodes = toFlowNodes(view, layout, parseSelection("node:checkout"));
    const checkout = nodes.find((n) => n.id === "checkout")!;
    assert.deepEqual(checkout.position, { x: 300, y: 40 });
    assert.deepEqual(checkout.measured, { width: NODE_WIDTH, height: NODE_HEIGHT });
    assert.equal(checkout.type, "service");
    assert.equal(checkout.data.matched, true);
    assert.equal(checkout.data.selected, true);
    assert.equal(checkout.data.health, "degraded");
    const frontend = nodes.find((n) => n.id === "frontend")!;
    assert.equal(frontend.data.matched, false);
    assert.equal(frontend.data.selected, false);
    assert.equal(toFlowNodes(filterGraph(sampleGraph, "external"), layout, null).find((n) => n.id === "external")!.data.external, true);
  });

  it("gives every node its handles, so xyflow attaches edges without measuring the DOM", () => {
    const node = toFlowNodes(view, layout, null)[0]!;
    const byType = Object.fromEntries((node.handles ?? []).map((h) => [h.type, h]));
    // The edge points xyflow derives (getHandlePosition): the middle of the left and right sides.
    const target = byType["target"]!;
    const source = byType["source"]!;
    assert.equal(target.position, "left");
    assert.deepEqual({ x: target.x, y: target.y + (target.height ?? 1) / 2 }, { x: 0, y: NODE_HEIGHT / 2 });
    assert.equal(source.position, "right");
    assert.deepEqual({ x: source.x + (source.width ?? 1), y: source.y + (source.height ?? 1) / 2 }, { x: NODE_WIDTH, y: NODE_HEIGHT / 2 });
  });

  it("labels edges with the chosen metric and carries health, width and route", () => {
    const edges = toFlowEdges(view, layout, "p99", parseSelection("edge:checkout->payments"));
    const pay = edges.find((e) => e.id === "checkout->payments")!;
    assert.equal(pay.data!.label, "p99 2.4 s");
    assert.equal(pay.data!.health, "failing");
    assert.equal(pay.data!.selected, true);
    assert.deepEqual(pay.data!.route, [{ x: 0, y: 0 }, { x: 5, y: 0 }]);
    assert.equal(edges.find((e) => e.id === "frontend->checkout")!.data!.route, null);
  });

  it("formats each edge metric", () => {
    const e = edgeOf("checkout->payments");
    assert.equal(edgeLabel(e, "rps"), "8.1 rps");
    assert.equal(edgeLabel(e, "errors"), "22% err");
    assert.equal(edgeLabel({ ...e, latencyMs: null }, "p99"), "p99 —");
  });

  it("thickens busier edges on a log scale, within bounds", () => {
    assert.equal(edgeStrokeWidth(0), 1.25);
    assert.ok(edgeStrokeWidth(10) < edgeStrokeWidth(100));
    assert.equal(edgeStrokeWidth(1e9), 4.25);
  });
});

describe("graph selection in the URL", () => {
  it("round-trips nodes and edges and rejects anything else", () => {
    assert.deepEqual(parseSelection("edge:a->b"), { kind: "edge", id: "a->b" });
    assert.equal(formatSelection(parseSelection("node:checkout")), "node:checkout");
    assert.equal(parseSelection("checkout"), null);
    assert.equal(formatSelection(null), "");
  });
});

describe("reuseUnchangedNodes", () => {
  it("keeps the previous object of a node that draws the same, and takes the new one of a node that changed", () => {
    const view = filterGraph(sampleGraph, "");
    const positions = Object.fromEntries(view.nodes.map((n, i) => [n.id, { x: i * 300, y: 0 }]));
    const layout = { positions, routes: {} };
    const previous = new Map();
    const first = reuseUnchangedNodes(previous, toFlowNodes(view, layout, null));
    const again = reuseUnchangedNodes(previous, toFlowNodes(view, layout, null));
    assert.ok(again.every((n, i) => n === first[i]), "an identical refresh reuses every object");
    const picked = view.nodes[0]!.id;
    const selected = reuseUnchangedNodes(previous, toFlowNodes(view, layout, { kind: "node", id: picked }));
    assert.notEqual(selected[0], again[0], "the selected node is a new object");
    assert.equal(selected[0]!.data.selected, true);
    assert.ok(selected.slice(1).every((n, i) => n === again[i + 1]), "the others are reused");
    const badged = reuseUnchangedNodes(previous, toFlowNodes(view, layout, { kind: "node", id: picked }, { badges: { [view.nodes[1]!.id]: ["retries"] } }));
    assert.notEqual(badged[1], selected[1], "a new badge makes a new object");
    assert.equal(badged[0], selected[0]);
  });
});
