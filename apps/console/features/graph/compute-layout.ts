// Lays out the graph view: ELK (layered, left to right, orthogonal routes) for graphs of up to
// ELK_MAX_NODES services, the linear-time fastLayout beyond (ELK takes seconds on a thousand nodes).
// ELK (1.4 MB of script) is loaded on first use, so a page that shows a large graph never loads,
// parses or runs it.
import type ELK from "elkjs/lib/elk.bundled.js";
import { fastLayout } from "./fast-layout";
import { layoutFromElk, toElkGraph, type GraphLayout, type GraphView } from "./graph-elements";

export const ELK_MAX_NODES = 150;

let elk: Promise<InstanceType<typeof ELK>> | undefined;

function loadElk(): Promise<InstanceType<typeof ELK>> {
  elk ??= import("elkjs/lib/elk.bundled.js").then((m) => new m.default());
  return elk;
}

export async function computeLayout(view: Pick<GraphView, "nodes" | "edges">): Promise<GraphLayout> {
  if (view.nodes.length === 0) return { positions: {}, routes: {} };
  if (view.nodes.length > ELK_MAX_NODES) return fastLayout(view);
  return layoutFromElk(await (await loadElk()).layout(toElkGraph(view)));
}

let warming: Promise<void> | undefined;

/**
 * Loads ELK and lays out a three-node graph with the real options, so that the first real layout
 * runs warmed-up code. The graph page calls it while its API call is on the way (the main thread
 * is idle then) when the view will likely be laid out by ELK (a problem view, a filter, a small mesh).
 */
export function warmUpLayoutEngine(): Promise<void> {
  warming ??= loadElk()
    .then((engine) => engine.layout(toElkGraph({
      nodes: ["a", "b", "c"].map((id) => ({ id, service: id, versions: [], requestRate: 0, errorRate: 0, health: "unknown" })),
      edges: [["a", "b"], ["a", "c"], ["b", "c"]].map(([source, target]) => ({
        id: `${source}->${target}`, source: source!, target: target!, requestRate: 0, errorRate: 0, latencyMs: null, outcomes: {} as never, mtlsShare: 0, health: "unknown",
      })),
    })))
    .then(() => undefined, () => undefined);
  return warming;
}
