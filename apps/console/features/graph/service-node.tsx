"use client";
// A service on the graph: its name, versions and load, framed in its health colour. Zoomed far
// out (a whole large mesh on screen) it is drawn as a lighter block: health colour and name only.
import type { NodeProps } from "@xyflow/react";
import type { CSSProperties } from "react";
import { formatPercent, formatRate } from "../../lib/format";
import { useGraphDetail, useGraphExpand } from "./graph-actions";
import type { NodeBadge, ServiceFlowNode } from "./graph-elements";
import styles from "./graph.module.css";

const BADGE_TEXT: Record<NodeBadge, { text: string; title: string; tone: "bad" | "info" }> = {
  breaker: { text: "breaker", title: "Callers were short-circuited by an open circuit breaker in this window", tone: "bad" },
  ejected: { text: "ejected", title: "Callers picked around ejected endpoints in this window", tone: "bad" },
  shifting: { text: "split", title: "Its policy shifts traffic between versions", tone: "info" },
  retries: { text: "retry", title: "Its policy retries failed calls", tone: "info" },
  timeouts: { text: "timeout", title: "Its policy sets timeouts", tone: "info" },
  fault: { text: "fault", title: "Its policy injects faults", tone: "bad" },
};

export function ServiceNode({ data }: NodeProps<ServiceFlowNode>) {
  const expand = useGraphExpand();
  const detailed = useGraphDetail();
  const expandButton = data.hidden > 0 ? (
    <button
      type="button"
      className={`${styles.expand} nodrag nopan`}
      data-test={`graph-expand-${data.service}`}
      title={`Show ${data.hidden} more neighbour${data.hidden === 1 ? "" : "s"}`}
      onClick={(e) => {
        e.stopPropagation();
        expand(data.service);
      }}
    >
      +{data.hidden}
    </button>
  ) : null;
  // What both drawings share: the test hook, the state as data attributes, the health colour.
  const frame = {
    "data-test": `graph-node-${data.service}`,
    "data-health": data.health,
    "data-selected": data.selected,
    "data-matched": data.matched,
    "data-external": data.external,
    style: { "--node-health": `var(--health-${data.health})` } as CSSProperties,
  };
  if (!detailed) {
    // Far zoom: text of 12 px would be 2 px high; one box and one line of large text instead of a
    // dozen elements per node, so a thousand of them draw quickly. Trouble badges show as a mark.
    const trouble = data.badges.some((b) => BADGE_TEXT[b].tone === "bad");
    return (
      <div
        className={styles.nodeFar}
        {...frame}
        data-badges={data.badges.join(" ")}
        data-trouble={trouble}
        title={`${data.service}: ${data.health}${data.badges.length === 0 ? "" : ` (${data.badges.map((b) => BADGE_TEXT[b].text).join(", ")})`}`}
      >
        <span className={styles.nodeFarName}>{data.service}</span>
        {expandButton}
      </div>
    );
  }
  return (
    <div
      className={styles.node}
      {...frame}
      title={`${data.service}: ${data.health}`}
    >
      <div className={styles.nodeTitle}>
        <span className={styles.nodeDot} aria-hidden="true" />
        <span className={styles.nodeName}>{data.service}</span>
        {data.versions.length > 0 ? <span className={styles.nodeVersions}>{data.versions.join(" · ")}</span> : null}
      </div>
      <div className={styles.nodeStats}>
        {data.external ? (
          <span>outside the mesh</span>
        ) : (
          <>
            <span>{formatRate(data.requestRate)}</span>
            <span className={data.errorRate > 0 ? styles.nodeErrors : undefined}>{formatPercent(data.errorRate)} err</span>
          </>
        )}
      </div>
      {data.badges.length === 0 ? null : (
        <div className={styles.badges}>
          {data.badges.map((b) => (
            <span key={b} className={styles.nodeBadge} data-tone={BADGE_TEXT[b].tone} title={BADGE_TEXT[b].title} data-test={`graph-badge-${b}-${data.service}`}>{BADGE_TEXT[b].text}</span>
          ))}
        </div>
      )}
      {expandButton}
    </div>
  );
}
