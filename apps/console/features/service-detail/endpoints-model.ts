// The detail page's endpoints table from GET /api/v1/services/:name/endpoints: one row per endpoint
// with its breaker state, since when and why (from the worst fresh view among its callers' sidecars),
// and who says so. Pure.
import type { BreakerReason, BreakerStateName, EndpointReport, Health, ServiceEndpoint, ServiceEndpointsResponse } from "@trellis/mesh-model";

export const BREAKER_REASON_LABEL: Readonly<Record<BreakerReason, string>> = {
  none: "no ejection yet",
  consecutive_5xx: "consecutive 5xx responses",
  consecutive_gateway_errors: "consecutive gateway errors (502/503/504 or connect failures)",
  half_open_failure: "its half-open probe failed",
  ejection_time_over: "ejection time over, probing",
  half_open_success: "its half-open probe succeeded",
};

export interface EndpointRow {
  instanceId: string;
  version: string | null;
  address: string | null;
  up: boolean;
  health: Health;
  breaker: BreakerStateName;
  /** Of the view that decides `breaker` (the worst fresh one); null without one. */
  since: string | null;
  reason: BreakerReason | null;
  /** "frontend-1 (frontend)", and "+2 more" when several callers agree. */
  reportedBy: string | null;
  ejections: number;
  /** The endpoint's failing active health checks, as some fresh view reports them. */
  unhealthy: boolean;
  /** Every view, for the row's details (stale ones included, flagged). */
  reports: EndpointReport[];
}

export function endpointRows(data: ServiceEndpointsResponse | undefined): EndpointRow[] {
  return (data?.endpoints ?? []).map(endpointRow).sort((a, b) => Number(b.up) - Number(a.up) || (a.version ?? "").localeCompare(b.version ?? "") || a.instanceId.localeCompare(b.instanceId));
}

function endpointRow(e: ServiceEndpoint): EndpointRow {
  const fresh = e.reports.filter((r) => !r.stale);
  const deciding = fresh.filter((r) => r.state === e.breaker);
  // The latest change of state among the views that agree on the worst state.
  const first = [...deciding].sort((a, b) => (b.since ?? "").localeCompare(a.since ?? ""))[0];
  return {
    instanceId: e.instanceId,
    version: e.version,
    address: e.address,
    up: e.up,
    health: e.health,
    breaker: e.breaker,
    since: first?.since ?? null,
    reason: first?.reason ?? null,
    reportedBy: first === undefined ? null : `${first.reporter} (${first.reporterService})${deciding.length > 1 ? ` +${deciding.length - 1} more` : ""}`,
    ejections: e.ejections,
    unhealthy: fresh.some((r) => r.healthy === false),
    reports: e.reports,
  };
}

/** The breaker column's tone, in the health palette. */
export const BREAKER_TONE: Readonly<Record<BreakerStateName, Health>> = { closed: "healthy", "half-open": "degraded", open: "failing" };
