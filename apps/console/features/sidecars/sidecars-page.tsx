"use client";
// The sidecars page: every registered instance and its config sync state.
import { EmptyState, ErrorState, LoadingState, StaleBanner } from "../../components/query-state";
import { FilterInput } from "../../components/filter-input";
import { PageHeader } from "../../components/page-header";
import { useNow } from "../../lib/use-now";
import { useGlobalView, useUrlState } from "../../lib/use-url-state";
import { SORT_DIRECTIONS } from "../../lib/view-state";
import { SidecarsTable } from "./sidecars-table";
import {
  DEFAULT_SIDECAR_SORT, SIDECAR_COLUMNS, SYNC_FILTERS, defaultSidecarDirection, filterSidecars, sortSidecars, type SidecarColumn,
} from "./sidecars-table-model";
import { useSidecars } from "./use-sidecars";

export function SidecarsPage() {
  const { refreshMs } = useGlobalView();
  const url = useUrlState();
  const now = useNow();
  const query = url.text("q");
  const sync = url.choice("sync", SYNC_FILTERS, "all");
  const sort = url.choice("sort", SIDECAR_COLUMNS, DEFAULT_SIDECAR_SORT);
  const direction = url.choice("dir", SORT_DIRECTIONS, defaultSidecarDirection(sort));
  const sidecars = useSidecars(refreshMs);

  const onSort = (column: SidecarColumn) => {
    const next = column === sort ? (direction === "asc" ? "desc" : "asc") : defaultSidecarDirection(column);
    url.set([["sort", column, DEFAULT_SIDECAR_SORT], ["dir", next, defaultSidecarDirection(column)]]);
  };

  const data = sidecars.data;
  const rows = data === undefined ? [] : sortSidecars(filterSidecars(data.sidecars, query, sync), sort, direction);
  const counts = data === undefined ? null : {
    up: data.sidecars.filter((s) => s.up).length,
    synced: data.sidecars.filter((s) => s.syncState === "synced").length,
  };

  return (
    <div className="page" data-test="sidecars-page">
      <PageHeader title="Sidecars">
        {counts === null || data === undefined ? null : (
          <span className="muted" data-test="sidecars-summary">
            {counts.up} of {data.sidecars.length} up · {counts.synced} synced
          </span>
        )}
      </PageHeader>
      {sidecars.isError && data !== undefined ? <StaleBanner error={sidecars.error} /> : null}
      {data === undefined ? (
        sidecars.isError ? <ErrorState error={sidecars.error} /> : <LoadingState what="sidecars" />
      ) : data.sidecars.length === 0 ? (
        <EmptyState title="No sidecars are registered." testId="sidecars-empty">
          Start one beside a service with <code>trellis sidecar</code>; it registers with the control plane and shows up here.
        </EmptyState>
      ) : (
        <section className="card">
          <div className="card-header toolbar">
            <FilterInput param="q" placeholder="Filter by instance, service, address…" testId="sidecars-filter" />
            <label className="control-label">
              Sync
              <select className="select" data-test="sidecars-sync-filter" value={sync} onChange={(e) => url.set([["sync", e.target.value, "all"]])}>
                {SYNC_FILTERS.map((s) => <option key={s} value={s}>{s}</option>)}
              </select>
            </label>
            <span className="spacer" />
            <span className="faint" data-test="sidecars-count">{rows.length} of {data.sidecars.length} sidecars</span>
          </div>
          {rows.length === 0 ? (
            <EmptyState title="No sidecar matches these filters." testId="sidecars-no-match" />
          ) : (
            <SidecarsTable sidecars={rows} sort={sort} direction={direction} onSort={onSort} now={now} />
          )}
        </section>
      )}
    </div>
  );
}
