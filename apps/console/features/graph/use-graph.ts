"use client";
// The graph's data (refreshed with the page) and its layout (computed once per graph structure,
// so positions stay put while metrics refresh).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { fetchGraph } from "../../lib/api-client";
import { apiWindow, type WindowChoice } from "../../lib/view-state";
import { computeLayout } from "./compute-layout";
import type { Point } from "./edge-geometry";
import { structureKey, type GraphView } from "./graph-elements";
import { stabiliseLayout } from "./layout-cache";
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

/**
 * Positions by node id, per kind of view ("all", "problems", a filter): a node keeps its place
 * across refreshes, new edges and expansions; only new nodes are placed.
 */
const positionCache = new Map<string, Map<string, Point>>();

/** A short, stable name for a (possibly very long) structure key. */
function digest(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return `${(h >>> 0).toString(36)}.${text.length}`;
}

/** The layout with the structure it belongs to; while a new structure is laid out, the previous one. */
export function useGraphLayout(view: GraphView, cacheName: string) {
  const key = digest(structureKey(view));
  return useQuery({
    queryKey: graphKeys.layout(`${cacheName}/${key}`),
    queryFn: async () => {
      let cache = positionCache.get(cacheName);
      if (cache === undefined) positionCache.set(cacheName, (cache = new Map()));
      const layout = stabiliseLayout(cache, view, await computeLayout(view));
      for (const [id, p] of Object.entries(layout.positions)) cache.set(id, p);
      return { structureKey: key, layout };
    },
    staleTime: Infinity,
    gcTime: 10 * 60_000,
    placeholderData: keepPreviousData,
  });
}
