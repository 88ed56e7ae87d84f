// Lays out the graph view: ELK (layered, left to right, orthogonal routes) for graphs of up to
// ELK_MAX_NODES services, the linear-time fastLayout beyond (ELK takes seconds on a thousand nodes).
// ELK (1.4 MB of script) is loaded on first use, so a page that shows a large graph never loads,
// parses or runs it.
import type ELK from "elkjs/lib/elk.bundled.js";
import { fastLayout } from "./fast-layout";
import { layoutFromElk, toElkGraph, type GraphLayout, type GraphView } from "./graph-elements";

export const ELK_MAX_NODES = 150;

let elk: Promise<InstanceType<typeof ELK>> | undefined;

export async function computeLayout(view: Pick<GraphView, "nodes" | "edges">): Promise<GraphLayout> {
  if (view.nodes.length === 0) return { positions: {}, routes: {} };
  if (view.nodes.length > ELK_MAX_NODES) return fastLayout(view);
  elk ??= import("elkjs/lib/elk.bundled.js").then((m) => new m.default());
  return layoutFromElk(await (await elk).layout(toElkGraph(view)));
}
