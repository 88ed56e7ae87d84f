// A sortable column header: click to sort by it, click again to flip the direction.
import type { SortDirection } from "../lib/view-state";

interface SortHeaderProps<C extends string> {
  column: C;
  label: string;
  active: C;
  direction: SortDirection;
  onSort: (column: C) => void;
  testPrefix: string;
  align?: "left" | "right";
}

export function SortHeader<C extends string>({ column, label, active, direction, onSort, testPrefix, align = "left" }: SortHeaderProps<C>) {
  const isActive = column === active;
  return (
    <th className={align === "right" ? "right" : undefined} aria-sort={isActive ? (direction === "asc" ? "ascending" : "descending") : "none"}>
      <button type="button" className="sort-btn" data-active={isActive} data-test={`${testPrefix}-sort-${column}`} onClick={() => onSort(column)}>
        {label}
        {isActive ? <span className="sort-arrow" aria-hidden="true">{direction === "asc" ? "▲" : "▼"}</span> : null}
      </button>
    </th>
  );
}
