"use client";
// Draws the laid-out graph with xyflow. Clicking a node or edge selects it (in the URL); clicking
// the background clears the selection. The parent keys this by graph structure, so the view is
// fitted when the structure changes and left alone (zoom, pan) across refreshes.
import "@xyflow/react/dist/style.css";
import { memo, useCallback } from "react";
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

/** Memoised: the page re-renders on every query update, the canvas only when its elements change. */
export const GraphCanvas = memo(function GraphCanvas(props: GraphCanvasProps) {
  return (
    <ReactFlowProvider>
      <GraphSelectContext.Provider value={props.onSelect}>
        <Canvas {...props} />
      </GraphSelectContext.Provider>
    </ReactFlowProvider>
  );
});

const FIT_VIEW = { padding: 0.12, maxZoom: 1.25 };

/** Past this many nodes xyflow draws only what is in the viewport. */
const LARGE_GRAPH = 200;

function Canvas({ nodes, edges, structureKey, onSelect, overlay }: GraphCanvasProps) {
  const large = nodes.length > LARGE_GRAPH;
  // Stable handlers: xyflow hands them to every node, so new functions would re-render all nodes.
  const onNodeClick = useCallback((_: unknown, node: ServiceFlowNode) => onSelect({ kind: "node", id: node.id }), [onSelect]);
  const onEdgeClick = useCallback((_: unknown, edge: TrafficFlowEdge) => onSelect({ kind: "edge", id: edge.id }), [onSelect]);
  const onPaneClick = useCallback(() => onSelect(null), [onSelect]);
  return (
    <div className={styles.canvas} data-test="graph-canvas" data-structure={structureKey}>
      <EdgeMarkers />
      <ReactFlow<ServiceFlowNode, TrafficFlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodeClick={onNodeClick}
        onEdgeClick={onEdgeClick}
        onPaneClick={onPaneClick}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable
        zoomOnDoubleClick={false}
        minZoom={large ? 0.03 : 0.2}
        onlyRenderVisibleElements={large}
        maxZoom={2}
        fitView
        fitViewOptions={FIT_VIEW}
      >
        {overlay === undefined ? null : <EdgeOverlayLayer overlay={overlay} />}
        <Background gap={18} size={1} color="var(--border)" />
        <Controls showInteractive={false} position="bottom-left" />
      </ReactFlow>
    </div>
  );
}
