// Drawing an edge along the route ELK computed: an SVG path with rounded corners, and where its label goes.

export interface Point {
  x: number;
  y: number;
}

/** An SVG path through `points`, each inner corner rounded with at most `radius`. */
export function polylinePath(points: readonly Point[], radius = 8): string {
  if (points.length === 0) return "";
  const first = points[0]!;
  let path = `M ${round(first.x)} ${round(first.y)}`;
  for (let i = 1; i < points.length; i++) {
    const corner = points[i]!;
    const next = points[i + 1];
    if (next === undefined) {
      path += ` L ${round(corner.x)} ${round(corner.y)}`;
      break;
    }
    const previous = points[i - 1]!;
    const r = Math.min(radius, distance(previous, corner) / 2, distance(corner, next) / 2);
    const before = toward(corner, previous, r);
    const after = toward(corner, next, r);
    path += ` L ${round(before.x)} ${round(before.y)} Q ${round(corner.x)} ${round(corner.y)} ${round(after.x)} ${round(after.y)}`;
  }
  return path;
}

/** The point halfway along the polyline's length, where the edge's label sits. */
export function midpointOf(points: readonly Point[]): Point {
  if (points.length === 0) return { x: 0, y: 0 };
  let total = 0;
  for (let i = 1; i < points.length; i++) total += distance(points[i - 1]!, points[i]!);
  let remaining = total / 2;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const length = distance(a, b);
    if (remaining <= length && length > 0) return toward(a, b, remaining);
    remaining -= length;
  }
  return points[points.length - 1]!;
}

function distance(a: Point, b: Point): number {
  return Math.hypot(b.x - a.x, b.y - a.y);
}

/** The point `length` away from `from` in the direction of `to`. */
function toward(from: Point, to: Point, length: number): Point {
  const d = distance(from, to);
  if (d === 0) return from;
  return { x: from.x + ((to.x - from.x) * length) / d, y: from.y + ((to.y - from.y) * length) / d };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
