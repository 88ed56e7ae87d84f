// Filtering and sorting of the sidecars table, as pure functions of the URL's view state.
import { SYNC_STATES, type SidecarSummary, type SyncState } from "@trellis/mesh-model";
import type { SortDirection } from "../../lib/view-state";
import { compareNullsLast } from "../../lib/sort-order";

export const SIDECAR_COLUMNS = ["instance", "service", "version", "address", "heartbeat", "revision", "sync"] as const;
export type SidecarColumn = (typeof SIDECAR_COLUMNS)[number];
export const DEFAULT_SIDECAR_SORT: SidecarColumn = "service";

export const SYNC_FILTERS = ["all", ...SYNC_STATES] as const;
export type SyncFilter = (typeof SYNC_FILTERS)[number];

/** Worst first when sorting by sync state descending. */
const SYNC_SEVERITY: Record<SyncState, number> = { rejected: 4, disconnected: 3, stale: 2, pending: 1, synced: 0 };

export function sidecarAddress(sidecar: SidecarSummary): string {
  return sidecar.host.includes(":") ? `[${sidecar.host}]:${sidecar.inboundPort}` : `${sidecar.host}:${sidecar.inboundPort}`;
}

export function filterSidecars(sidecars: readonly SidecarSummary[], query: string, sync: SyncFilter): SidecarSummary[] {
  const needle = query.trim().toLowerCase();
  return sidecars.filter((s) =>
    (sync === "all" || s.syncState === sync) &&
    (needle === "" || [s.instanceId, s.service, s.version, sidecarAddress(s)].some((text) => text.toLowerCase().includes(needle))));
}

function sortValue(sidecar: SidecarSummary, column: SidecarColumn): string | number | null {
  switch (column) {
    case "instance": return sidecar.instanceId;
    case "service": return sidecar.service;
    case "version": return sidecar.version;
    case "address": return sidecarAddress(sidecar);
    case "heartbeat": return Date.parse(sidecar.lastHeartbeatAt);
    case "revision": return sidecar.ackedRevision;
    case "sync": return SYNC_SEVERITY[sidecar.syncState];
  }
}

/** Missing values (never acknowledged) go last in both directions; ties by service, then instance id. */
export function sortSidecars(sidecars: readonly SidecarSummary[], column: SidecarColumn, direction: SortDirection): SidecarSummary[] {
  return [...sidecars].sort((a, b) => {
    const order = compareNullsLast(sortValue(a, column), sortValue(b, column), direction);
    if (order !== 0) return order;
    const byService = a.service.localeCompare(b.service);
    return byService !== 0 ? byService : a.instanceId.localeCompare(b.instanceId);
  });
}

export function defaultSidecarDirection(column: SidecarColumn): SortDirection {
  return column === "heartbeat" || column === "revision" || column === "sync" ? "desc" : "asc";
}
