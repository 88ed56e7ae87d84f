// A layered left-to-right layout in linear-ish time for graphs too big for ELK within a frame or
// two (hundreds to thousands of services): longest-path layers (cycles broken in Kahn order),
// a few barycenter sweeps to untangle, tall layers wrapped into extra columns. Edges get no route
// (they are drawn as curves). Pure.
import type { Point } from "./edge-geometry";
import { NODE_HEIGHT, NODE_WIDTH, type GraphLayout, type GraphView } from "./graph-elements";

const GAP_X = 110;
const GAP_Y = 26;
const SWEEPS = 4;

export function fastLayout(view: Pick<GraphView, "nodes" | "edges">): GraphLayout {
  const ids = view.nodes.map((n) => n.id);
  const index = new Map(ids.map((id, i) => [id, i]));
  const succ: number[][] = ids.map(() => []);
  const pred: number[][] = ids.map(() => []);
  for (const e of view.edges) {
    const s = index.get(e.source);
    const t = index.get(e.target);
    if (s === undefined || t === undefined || s === t) continue;
    succ[s]!.push(t);
    pred[t]!.push(s);
  }

  // Layers: Kahn's order; when only cycles remain, the node with the fewest unplaced callers goes next.
  const layer = new Array<number>(ids.length).fill(0);
  const remaining = pred.map((p) => p.length);
  const placed = new Array<boolean>(ids.length).fill(false);
  const queue: number[] = [];
  for (let i = 0; i < ids.length; i++) if (remaining[i] === 0) queue.push(i);
  let done = 0;
  let head = 0;
  while (done < ids.length) {
    if (head >= queue.length) {
      let pick = -1;
      for (let i = 0; i < ids.length; i++) if (!placed[i] && (pick < 0 || remaining[i]! < remaining[pick]!)) pick = i;
      queue.push(pick);
    }
    const n = queue[head++]!;
    if (placed[n]) continue;
    placed[n] = true;
    done++;
    for (const p of pred[n]!) if (placed[p] && p !== n) layer[n] = Math.max(layer[n]!, layer[p]! + 1);
    for (const s of succ[n]!) {
      remaining[s]!--;
      if (remaining[s] === 0 && !placed[s]) queue.push(s);
    }
  }

  // A long call chain would make hundreds of thin columns: squash the layers into about as many
  // columns as suit a screen-shaped drawing (callers stay left of, or level with, their callees).
  const target = Math.max(4, Math.ceil(Math.sqrt(ids.length * 0.45)));
  const deepest = Math.max(0, ...layer) + 1;
  const depth = [...layer];
  if (deepest > target) for (let i = 0; i < ids.length; i++) layer[i] = Math.floor((layer[i]! * target) / deepest);
  const layerCount = Math.max(0, ...layer) + 1;
  const layers: number[][] = Array.from({ length: layerCount }, () => []);
  for (let i = 0; i < ids.length; i++) layers[layer[i]!]!.push(i);

  // Barycenter sweeps: order each layer by the mean position of its neighbours in the layer before
  // (or after); within a squashed layer deeper nodes stay later, so wrapped columns keep callers left.
  const pos = new Array<number>(ids.length).fill(0);
  const reindex = () => layers.forEach((l) => l.forEach((n, i) => (pos[n] = i)));
  reindex();
  const bary = (n: number, around: number[][]) => {
    const list = around[n]!;
    if (list.length === 0) return pos[n]!;
    let sum = 0;
    for (const m of list) sum += pos[m]!;
    return sum / list.length;
  };
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    const down = sweep % 2 === 0;
    const order = down ? layers : [...layers].reverse();
    for (const l of order) {
      const key = new Map(l.map((n) => [n, bary(n, down ? pred : succ)]));
      l.sort((a, b) => depth[a]! - depth[b]! || key.get(a)! - key.get(b)! || a - b);
      l.forEach((n, i) => (pos[n] = i));
    }
  }

  // Wrap tall layers into several columns so a big mesh stays roughly as wide as it is tall.
  const maxPerColumn = Math.max(8, Math.ceil((ids.length / target) * 1.25));
  const positions: Record<string, Point> = {};
  let column = 0;
  const heights = layers.map((l) => Math.min(l.length, maxPerColumn) * (NODE_HEIGHT + GAP_Y));
  const tallest = Math.max(0, ...heights);
  layers.forEach((l, li) => {
    const columns = Math.max(1, Math.ceil(l.length / maxPerColumn));
    const top = (tallest - heights[li]!) / 2;
    l.forEach((n, i) => {
      const c = Math.floor(i / maxPerColumn);
      positions[ids[n]!] = { x: (column + c) * (NODE_WIDTH + GAP_X), y: top + (i % maxPerColumn) * (NODE_HEIGHT + GAP_Y) };
    });
    column += columns;
  });
  return { positions, routes: {} };
}
