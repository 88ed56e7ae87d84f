"use client";
// The graph's data (refreshed with the page) and its layout (computed once per graph structure,
// so positions stay put while metrics refresh).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { fetchGraph } from "../../lib/api-client";
import { apiWindow, type WindowChoice } from "../../lib/view-state";
import { computeLayout } from "./compute-layout";
import { structureKey, type GraphView } from "./graph-elements";
import { graphKeys } from "./query-keys";

export function useGraph(window: WindowChoice, refreshMs: number | false) {
  const apiWin = apiWindow(window);
  return useQuery({
    queryKey: graphKeys.snapshot(apiWin),
    queryFn: ({ signal }) => fetchGraph(apiWin, signal),
    refetchInterval: refreshMs,
    placeholderData: keepPreviousData,
  });
}

/** The layout with the structure it belongs to; while a new structure is laid out, the previous one. */
export function useGraphLayout(view: GraphView) {
  const key = structureKey(view);
  return useQuery({
    queryKey: graphKeys.layout(key),
    queryFn: async () => ({ structureKey: key, layout: await computeLayout(view) }),
    staleTime: Infinity,
    gcTime: 10 * 60_000,
    placeholderData: keepPreviousData,
  });
}
