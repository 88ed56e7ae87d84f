"use client";
// Draws the laid-out graph with xyflow. Clicking a node or edge selects it (in the URL); clicking
// the background clears the selection. The parent keys this by graph structure, so the view is
// fitted when the structure changes and left alone (zoom, pan) across refreshes.
import "@xyflow/react/dist/style.css";
import { Background, Controls, ReactFlow, ReactFlowProvider, type EdgeTypes, type NodeTypes } from "@xyflow/react";
import { GraphSelectContext } from "./graph-actions";
import { EdgeOverlayLayer } from "./edge-overlay";
import type { EdgeOverlay, ServiceFlowNode, TrafficFlowEdge } from "./graph-elements";
import type { GraphSelection } from "./graph-selection";
import { ServiceNode } from "./service-node";
import { EdgeMarkers, TrafficEdge } from "./traffic-edge";
import styles from "./graph.module.css";

const nodeTypes: NodeTypes = { service: ServiceNode };
const edgeTypes: EdgeTypes = { traffic: TrafficEdge };

interface GraphCanvasProps {
  nodes: ServiceFlowNode[];
  edges: TrafficFlowEdge[];
  structureKey: string;
  onSelect: (selection: GraphSelection) => void;
  /** Large graphs: the edges drawn in one batched layer (then `edges` is empty). */
  overlay?: EdgeOverlay;
}

export function GraphCanvas(props: GraphCanvasProps) {
  return (
    <ReactFlowProvider>
      <GraphSelectContext.Provider value={props.onSelect}>
        <Canvas {...props} />
      </GraphSelectContext.Provider>
    </ReactFlowProvider>
  );
}

/** Past this many nodes xyflow draws only what is in the viewport. */
const LARGE_GRAPH = 200;

function Canvas({ nodes, edges, structureKey, onSelect, overlay }: GraphCanvasProps) {
  const large = nodes.length > LARGE_GRAPH;
  return (
    <div className={styles.canvas} data-test="graph-canvas" data-structure={structureKey}>
      <EdgeMarkers />
      <ReactFlow<ServiceFlowNode, TrafficFlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodeClick={(_, node) => onSelect({ kind: "node", id: node.id })}
        onEdgeClick={(_, edge) => onSelect({ kind: "edge", id: edge.id })}
        onPaneClick={() => onSelect(null)}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable
        zoomOnDoubleClick={false}
        minZoom={large ? 0.03 : 0.2}
        onlyRenderVisibleElements={large}
        maxZoom={2}
        fitView
        fitViewOptions={{ padding: 0.12, maxZoom: 1.25 }}
      >
        {overlay === undefined ? null : <EdgeOverlayLayer overlay={overlay} />}
        <Background gap={18} size={1} color="var(--border)" />
        <Controls showInteractive={false} position="bottom-left" />
      </ReactFlow>
    </div>
  );
}
