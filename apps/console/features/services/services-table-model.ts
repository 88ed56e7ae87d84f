// Filtering and sorting of the services table, as pure functions of the URL's view state.
import { HEALTH_STATES, type Health, type ServiceSummary } from "@trellis/mesh-model";
import type { SortDirection } from "../../lib/view-state";
import { compareNullsLast } from "../../lib/sort-order";

export const SERVICE_COLUMNS = ["name", "health", "rps", "success", "p50", "p95", "p99", "instances"] as const;
export type ServiceColumn = (typeof SERVICE_COLUMNS)[number];
export const DEFAULT_SERVICE_SORT: ServiceColumn = "name";

export const HEALTH_FILTERS = ["all", ...HEALTH_STATES] as const;
export type HealthFilter = (typeof HEALTH_FILTERS)[number];

/** Worst first when sorting by health descending. */
export const HEALTH_SEVERITY: Record<Health, number> = { failing: 3, degraded: 2, unknown: 1, healthy: 0 };

/** Success rate of a service, or null when it served nothing (so it is not shown as 100%). */
export function successRate(service: ServiceSummary): number | null {
  return service.requestRate > 0 ? 1 - service.errorRate : null;
}

export function filterServices(services: readonly ServiceSummary[], query: string, health: HealthFilter): ServiceSummary[] {
  const needle = query.trim().toLowerCase();
  return services.filter((s) =>
    (health === "all" || s.health === health) &&
    (needle === "" || s.name.includes(needle) || s.versions.some((v) => v.toLowerCase().includes(needle))));
}

function sortValue(service: ServiceSummary, column: ServiceColumn): string | number | null {
  switch (column) {
    case "name": return service.name;
    case "health": return HEALTH_SEVERITY[service.health];
    case "rps": return service.requestRate;
    case "success": return successRate(service);
    case "p50": return service.latencyMs?.p50 ?? null;
    case "p95": return service.latencyMs?.p95 ?? null;
    case "p99": return service.latencyMs?.p99 ?? null;
    case "instances": return service.instances.total === 0 ? null : service.instances.up / service.instances.total;
  }
}

/** Sorts by the column; missing values (no traffic) go last in both directions; ties by name. */
export function sortServices(services: readonly ServiceSummary[], column: ServiceColumn, direction: SortDirection): ServiceSummary[] {
  return [...services].sort((a, b) => {
    const order = compareNullsLast(sortValue(a, column), sortValue(b, column), direction);
    if (order !== 0) return order;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

/** The direction a column sorts in when first clicked: names A→Z, numbers biggest first. */
export function defaultDirection(column: ServiceColumn): SortDirection {
  return column === "name" ? "asc" : "desc";
}
