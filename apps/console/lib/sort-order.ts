// One ordering rule for every sortable table: missing values (null) go last in both directions.
import type { SortDirection } from "./view-state";

/** Compares two cell values; 0 means a tie, for the caller's tie-breaker. */
export function compareNullsLast(a: string | number | null, b: string | number | null, direction: SortDirection): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (a === b) return 0;
  return (a < b ? -1 : 1) * (direction === "asc" ? 1 : -1);
}
