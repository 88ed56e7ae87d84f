"use client";
// Calls from one service to another: drawn along ELK's route, coloured by health, labelled with
// the chosen metric. The label is a button so the edge is easy to pick (by people and by tests:
// it carries `graph-edge-<source>-<target>`; a straight SVG path has a zero-height box).
import { EdgeLabelRenderer, getBezierPath, type EdgeProps } from "@xyflow/react";
import { midpointOf, polylinePath } from "./edge-geometry";
import type { TrafficFlowEdge } from "./graph-elements";
import { useGraphSelect } from "./graph-actions";
import styles from "./graph.module.css";

export function TrafficEdge(props: EdgeProps<TrafficFlowEdge>) {
  const { id, source, target, data } = props;
  const select = useGraphSelect();
  if (data === undefined) return null;
  let path: string;
  let labelX: number;
  let labelY: number;
  if (data.route !== null && data.route.length >= 2) {
    path = polylinePath(data.route);
    ({ x: labelX, y: labelY } = midpointOf(data.route));
  } else {
    [path, labelX, labelY] = getBezierPath(props);
  }
  const colour = data.selected ? "var(--accent)" : `var(--health-${data.health})`;
  const marker = data.selected ? "selected" : data.health;
  return (
    <>
      <g data-test={`graph-edge-path-${source}-${target}`} data-health={data.health} data-selected={data.selected} className={styles.edge}>
        <path d={path} fill="none" className={styles.edgePath} style={{ stroke: colour, strokeWidth: data.strokeWidth + (data.selected ? 1 : 0) }} markerEnd={`url(#trellis-arrow-${marker})`} />
        <path d={path} fill="none" className="react-flow__edge-interaction" strokeWidth={18} strokeOpacity={0} />
      </g>
      {!data.showLabel ? null : <EdgeLabelRenderer>
        <button
          type="button"
          className={`${styles.edgeLabel} nodrag nopan`}
          data-test={`graph-edge-${source}-${target}`}
          data-health={data.health}
          data-selected={data.selected}
          style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)`, borderColor: colour }}
          onClick={() => select({ kind: "edge", id })}
          aria-label={`${source} to ${target}: ${data.label}${data.mtls ? ", mutual TLS" : ""}`}
          data-mtls={data.mtls}
        >
          {data.mtls ? <Lock /> : null}
          {data.label}
        </button>
      </EdgeLabelRenderer>}
    </>
  );
}

/** A small padlock: every request on the edge went over mutual TLS. */
function Lock() {
  return (
    <svg width="9" height="10" viewBox="0 0 9 10" aria-hidden="true" style={{ marginRight: 4, verticalAlign: "-1px" }}>
      <rect x="0.5" y="4.5" width="8" height="5" rx="1" fill="currentColor" opacity="0.8" />
      <path d="M2.3 4.5V3a2.2 2.2 0 0 1 4.4 0v1.5" fill="none" stroke="currentColor" strokeWidth="1.1" />
    </svg>
  );
}

/** Arrowheads, one per colour, defined once and referenced by every edge. */
export function EdgeMarkers() {
  const tones = ["healthy", "degraded", "failing", "unknown", "selected"] as const;
  return (
    <svg width="0" height="0" style={{ position: "absolute" }} aria-hidden="true">
      <defs>
        {tones.map((tone) => (
          <marker key={tone} id={`trellis-arrow-${tone}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" style={{ fill: tone === "selected" ? "var(--accent)" : `var(--health-${tone})` }} />
          </marker>
        ))}
      </defs>
    </svg>
  );
}
