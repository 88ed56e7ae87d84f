"use client";
// A large graph's edges in one SVG inside xyflow's viewport: a path per health state holding every
// edge of that state, and clickable labels for the edges that keep one. Thousands of edges cost a
// handful of DOM nodes instead of a React component each.
import { ViewportPortal } from "@xyflow/react";
import type { Health } from "@trellis/mesh-model";
import { useGraphSelect } from "./graph-actions";
import type { EdgeOverlay } from "./graph-elements";
import styles from "./graph.module.css";

const ORDER: Health[] = ["unknown", "healthy", "degraded", "failing"];

export function EdgeOverlayLayer({ overlay }: { overlay: EdgeOverlay }) {
  const select = useGraphSelect();
  return (
    <ViewportPortal>
      <svg className={styles.overlay} data-test="graph-edge-overlay" aria-hidden="true">
        {ORDER.map((h) => (
          <path key={h} d={overlay.paths[h]} fill="none" style={{ stroke: `var(--health-${h})`, strokeWidth: h === "failing" || h === "degraded" ? 2 : 1, opacity: h === "healthy" || h === "unknown" ? 0.45 : 0.9 }} />
        ))}
        {overlay.selected === "" ? null : <path d={overlay.selected} fill="none" style={{ stroke: "var(--accent)", strokeWidth: 3 }} />}
      </svg>
      {overlay.labels.map((l) => (
        <button
          key={l.id}
          type="button"
          className={`${styles.edgeLabel} nodrag nopan`}
          data-test={`graph-edge-${l.source}-${l.target}`}
          data-health={l.health}
          data-selected={l.selected}
          data-mtls={l.mtls}
          style={{ transform: `translate(-50%, -50%) translate(${l.x}px, ${l.y}px)`, borderColor: l.selected ? "var(--accent)" : `var(--health-${l.health})` }}
          onClick={() => select({ kind: "edge", id: l.id })}
          aria-label={`${l.source} to ${l.target}: ${l.label}`}
        >
          {l.label}
        </button>
      ))}
    </ViewportPortal>
  );
}
