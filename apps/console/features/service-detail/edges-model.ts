// A service's callers and callees from the graph, and its sidecars, for the detail page. Pure.
import type { GraphEdge, GraphResponse, SidecarSummary } from "@trellis/mesh-model";

export interface ServiceEdges {
  inbound: GraphEdge[];
  outbound: GraphEdge[];
}

/** Busiest first, then by peer name. */
const busiest = (peer: (e: GraphEdge) => string) => (a: GraphEdge, b: GraphEdge) => b.requestRate - a.requestRate || peer(a).localeCompare(peer(b));

export function serviceEdges(graph: Pick<GraphResponse, "edges"> | undefined, service: string): ServiceEdges {
  const edges = graph?.edges ?? [];
  return {
    inbound: edges.filter((e) => e.target === service).sort(busiest((e) => e.source)),
    outbound: edges.filter((e) => e.source === service).sort(busiest((e) => e.target)),
  };
}

/** The service's sidecars: live ones first, then by version and instance id. */
export function serviceInstances(sidecars: readonly SidecarSummary[] | undefined, service: string): SidecarSummary[] {
  return (sidecars ?? [])
    .filter((s) => s.service === service)
    .sort((a, b) => Number(b.up) - Number(a.up) || a.version.localeCompare(b.version) || a.instanceId.localeCompare(b.instanceId));
}
