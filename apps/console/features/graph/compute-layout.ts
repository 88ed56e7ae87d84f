// Runs ELK (layered, left to right) on the graph view. In the browser it runs on the main thread:
// service graphs are tens of nodes, well within a frame budget or two.
import ELK from "elkjs/lib/elk.bundled.js";
import { layoutFromElk, toElkGraph, type GraphLayout, type GraphView } from "./graph-elements";

let elk: InstanceType<typeof ELK> | undefined;

export async function computeLayout(view: Pick<GraphView, "nodes" | "edges">): Promise<GraphLayout> {
  if (view.nodes.length === 0) return { positions: {}, routes: {} };
  elk ??= new ELK();
  return layoutFromElk(await elk.layout(toElkGraph(view)));
}
