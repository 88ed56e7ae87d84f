"use client";
// Lets edge labels (rendered outside the edge's SVG group) select their edge.
import { createContext, useContext } from "react";
import type { GraphSelection } from "./graph-selection";

export const GraphSelectContext = createContext<(selection: GraphSelection) => void>(() => {});

export function useGraphSelect(): (selection: GraphSelection) => void {
  return useContext(GraphSelectContext);
}
