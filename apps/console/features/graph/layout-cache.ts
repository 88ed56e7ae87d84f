// Keeps the graph still across refreshes and expansions: nodes that were placed before stay where
// they were (positions cached by node id); only new nodes take a place, next to a neighbour already
// on screen when they have one. Pure; the cache itself lives in the graph hook.
import type { Point } from "./edge-geometry";
import { NODE_HEIGHT, NODE_WIDTH, type GraphLayout, type GraphView } from "./graph-elements";

const STEP_X = NODE_WIDTH + 110;
const STEP_Y = NODE_HEIGHT + 26;

/**
 * `fresh` is a full layout of `view`. Nodes in `cache` keep their cached position; when none is
 * cached the fresh layout is used as is. Edge routes survive only where both ends kept their fresh
 * position (others are drawn as curves).
 */
export function stabiliseLayout(cache: ReadonlyMap<string, Point>, view: Pick<GraphView, "nodes" | "edges">, fresh: GraphLayout): GraphLayout {
  const known = view.nodes.filter((n) => cache.has(n.id));
  if (known.length === 0) return fresh;
  const positions: Record<string, Point> = {};
  const occupied = new Set<string>();
  const cell = (p: Point) => `${Math.round(p.x / STEP_X)}:${Math.round(p.y / STEP_Y)}`;
  for (const n of known) {
    positions[n.id] = cache.get(n.id)!;
    occupied.add(cell(positions[n.id]!));
  }
  const newcomers = view.nodes.filter((n) => !cache.has(n.id));
  let maxX = Math.max(...known.map((n) => positions[n.id]!.x));
  let spare = 0;
  for (const n of newcomers) {
    // Beside a placed neighbour: callees to its right, callers to its left.
    const out = view.edges.find((e) => e.source === n.id && positions[e.target] !== undefined);
    const inn = view.edges.find((e) => e.target === n.id && positions[e.source] !== undefined);
    let start: Point;
    if (inn !== undefined) start = { x: positions[inn.source]!.x + STEP_X, y: positions[inn.source]!.y };
    else if (out !== undefined) start = { x: positions[out.target]!.x - STEP_X, y: positions[out.target]!.y };
    else {
      start = { x: maxX + STEP_X, y: spare * STEP_Y };
      spare++;
    }
    const p = freeSlot(start, occupied, cell);
    positions[n.id] = p;
    occupied.add(cell(p));
    maxX = Math.max(maxX, p.x);
  }
  const routes: GraphLayout["routes"] = {};
  const same = (id: string) => {
    const a = positions[id];
    const b = fresh.positions[id];
    return a !== undefined && b !== undefined && a.x === b.x && a.y === b.y;
  };
  for (const e of view.edges) {
    const route = fresh.routes[e.id];
    if (route !== undefined && same(e.source) && same(e.target)) routes[e.id] = route;
  }
  return { positions, routes };
}

/** The nearest free grid slot at or below/above `start` in its column, alternating down and up. */
function freeSlot(start: Point, occupied: ReadonlySet<string>, cell: (p: Point) => string): Point {
  for (let k = 0; k < 10_000; k++) {
    const offset = k === 0 ? 0 : (k % 2 === 1 ? 1 : -1) * Math.ceil(k / 2);
    const p = { x: start.x, y: start.y + offset * STEP_Y };
    if (!occupied.has(cell(p))) return p;
  }
  return start;
}
