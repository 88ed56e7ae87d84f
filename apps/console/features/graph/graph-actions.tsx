"use client";
// Lets edge labels (rendered outside the edge's SVG group) select their edge.
import { createContext, useContext } from "react";
import type { GraphSelection } from "./graph-selection";

export const GraphSelectContext = createContext<(selection: GraphSelection) => void>(() => {});

export function useGraphSelect(): (selection: GraphSelection) => void {
  return useContext(GraphSelectContext);
}

/** Lets a node's "+N" button show (or hide again) its hidden neighbours. */
export const GraphExpandContext = createContext<(id: string) => void>(() => {});

export function useGraphExpand(): (id: string) => void {
  return useContext(GraphExpandContext);
}

/**
 * Whether nodes are drawn in full (name, versions, load, badges) or, zoomed far out, as light
 * blocks. Set by the canvas from the zoom level; true when there is no canvas around.
 */
export const GraphDetailContext = createContext<boolean>(true);

export function useGraphDetail(): boolean {
  return useContext(GraphDetailContext);
}
