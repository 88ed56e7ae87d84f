"use client";
// Draws the laid-out graph with xyflow. Clicking a node or edge selects it (in the URL); clicking
// the background clears the selection. The parent keys this by the kind of view, so the view is
// fitted when it mounts and left alone (zoom, pan) across refreshes and expansions.
import "@xyflow/react/dist/style.css";
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import {
  Background, Controls, ReactFlow, ReactFlowProvider, getNodesBounds, getViewportForBounds, useReactFlow, useStore,
  type EdgeTypes, type NodeTypes, type ReactFlowState, type Viewport,
} from "@xyflow/react";
import { GraphDetailContext, GraphSelectContext } from "./graph-actions";
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

interface Size {
  width: number;
  height: number;
}

/**
 * Memoised: the page re-renders on every query update, the canvas only when its elements change.
 * The pane is measured before xyflow mounts, so the first render is already the fitted view:
 * every node is drawn once, in its final place, and never measured.
 */
export const GraphCanvas = memo(function GraphCanvas(props: GraphCanvasProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState<Size | null>(null);
  useLayoutEffect(() => {
    const box = ref.current?.getBoundingClientRect();
    setSize({ width: box?.width ?? 0, height: box?.height ?? 0 });
  }, []);
  return (
    <div ref={ref} className={styles.canvas} data-test="graph-canvas" data-structure={props.structureKey}>
      {size === null ? null : <Flow {...props} size={size} />}
    </div>
  );
});

const FIT_PADDING = 0.12;
const FIT_MAX_ZOOM = 1.25;
const FIT_VIEW = { padding: FIT_PADDING, maxZoom: FIT_MAX_ZOOM };

/** Past this many nodes xyflow draws only what is in the viewport. */
const LARGE_GRAPH = 200;

/** Below this zoom nodes are drawn as light blocks (their 12 px text would be under 5 px). */
export const DETAIL_ZOOM = 0.4;

/** The fitted viewport of `nodes` in a pane of `size`; null when the pane has no size yet. */
function fittedViewport(nodes: ServiceFlowNode[], size: Size, minZoom: number): Viewport | null {
  if (size.width <= 0 || size.height <= 0 || nodes.length === 0) return null;
  return getViewportForBounds(getNodesBounds(nodes), size.width, size.height, minZoom, FIT_MAX_ZOOM, FIT_PADDING);
}

function Flow(props: GraphCanvasProps & { size: Size }) {
  const { nodes, size } = props;
  const minZoom = nodes.length > LARGE_GRAPH ? 0.03 : 0.2;
  // Computed once: the canvas is remounted for a new kind of view, and refreshes keep zoom and pan.
  const [initial] = useState(() => fittedViewport(nodes, size, minZoom));
  return (
    // The store starts with the nodes and the fitted transform (xyflow computes the same fit from
    // the initial nodes and size), and the pan/zoom starts at that viewport.
    <ReactFlowProvider
      initialNodes={nodes}
      initialWidth={size.width}
      initialHeight={size.height}
      fitView={initial !== null}
      initialFitViewOptions={FIT_VIEW}
      initialMinZoom={minZoom}
      initialMaxZoom={FIT_MAX_ZOOM}
    >
      <GraphSelectContext.Provider value={props.onSelect}>
        <Canvas {...props} minZoom={minZoom} initial={initial} />
      </GraphSelectContext.Provider>
    </ReactFlowProvider>
  );
}

const detailSelector = (s: ReactFlowState) => s.transform[2] >= DETAIL_ZOOM;

function Canvas({ nodes, edges, onSelect, overlay, minZoom, initial }: GraphCanvasProps & { minZoom: number; initial: Viewport | null }) {
  const large = nodes.length > LARGE_GRAPH;
  const detailed = useStore(detailSelector);
  // Stable handlers: xyflow hands them to every node, so new functions would re-render all nodes.
  const onNodeClick = useCallback((_: unknown, node: ServiceFlowNode) => onSelect({ kind: "node", id: node.id }), [onSelect]);
  const onEdgeClick = useCallback((_: unknown, edge: TrafficFlowEdge) => onSelect({ kind: "edge", id: edge.id }), [onSelect]);
  const onPaneClick = useCallback(() => onSelect(null), [onSelect]);
  return (
    <div className={styles.flow} data-detail={detailed}>
      <EdgeMarkers />
      <GraphDetailContext.Provider value={detailed}>
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
          minZoom={minZoom}
          onlyRenderVisibleElements={large}
          maxZoom={2}
          defaultViewport={initial ?? undefined}
        >
          {overlay === undefined ? null : <EdgeOverlayLayer overlay={overlay} />}
          {initial === null ? <FitWhenSized /> : null}
          <Background gap={18} size={1} color="var(--border)" />
          <Controls showInteractive={false} position="bottom-left" />
        </ReactFlow>
      </GraphDetailContext.Provider>
    </div>
  );
}

const sizedSelector = (s: ReactFlowState) => s.width > 0 && s.height > 0 && s.panZoom !== null && s.nodeLookup.size > 0;

/** The pane had no size when it mounted (hidden): fit once it has one and nodes to fit. */
function FitWhenSized() {
  const sized = useStore(sizedSelector);
  const { fitView } = useReactFlow();
  const done = useRef(false);
  useEffect(() => {
    if (!sized || done.current) return;
    done.current = true;
    void fitView(FIT_VIEW);
  }, [sized, fitView]);
  return null;
}
