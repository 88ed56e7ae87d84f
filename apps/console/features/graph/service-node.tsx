"use client";
// A service on the graph: its name, versions and load, framed in its health colour.
import { Handle, Position, type NodeProps } from "@xyflow/react";
import type { CSSProperties } from "react";
import { formatPercent, formatRate } from "../../lib/format";
import type { ServiceFlowNode } from "./graph-elements";
import styles from "./graph.module.css";

export function ServiceNode({ data }: NodeProps<ServiceFlowNode>) {
  return (
    <div
      className={styles.node}
      data-test={`graph-node-${data.service}`}
      data-health={data.health}
      data-selected={data.selected}
      data-matched={data.matched}
      data-external={data.external}
      style={{ "--node-health": `var(--health-${data.health})` } as CSSProperties}
      title={`${data.service}: ${data.health}`}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} className={styles.handle} />
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
      <Handle type="source" position={Position.Right} isConnectable={false} className={styles.handle} />
    </div>
  );
}
