"use client";
// The services page: a chart and a table of every service, over the chosen window.
import { EmptyState, ErrorState, LoadingState, StaleBanner } from "../../components/query-state";
import { FilterInput } from "../../components/filter-input";
import { PageHeader } from "../../components/page-header";
import { useGlobalView, useUrlState } from "../../lib/use-url-state";
import { SORT_DIRECTIONS, hrefKeepingGlobals, windowPhrase } from "../../lib/view-state";
import { ServicesChart } from "./services-chart";
import { ServicesTable } from "./services-table";
import {
  DEFAULT_SERVICE_SORT, HEALTH_FILTERS, SERVICE_COLUMNS, defaultDirection, filterServices, sortServices, type ServiceColumn,
} from "./services-table-model";
import { useServices } from "./use-services";

export function ServicesPage() {
  const { window, refreshMs } = useGlobalView();
  const url = useUrlState();
  const query = url.text("q");
  const health = url.choice("health", HEALTH_FILTERS, "all");
  const sort = url.choice("sort", SERVICE_COLUMNS, DEFAULT_SERVICE_SORT);
  const direction = url.choice("dir", SORT_DIRECTIONS, defaultDirection(sort));
  const services = useServices(window, refreshMs);

  const onSort = (column: ServiceColumn) => {
    const next = column === sort ? (direction === "asc" ? "desc" : "asc") : defaultDirection(column);
    url.set([["sort", column, DEFAULT_SERVICE_SORT], ["dir", next, defaultDirection(column)]]);
  };
  const graphHref = (service: string) => hrefKeepingGlobals("/", url.params, { sel: `node:${service}` });
  const detailHref = (service: string) => hrefKeepingGlobals(`/services/${encodeURIComponent(service)}`, url.params);

  const data = services.data;
  const rows = data === undefined ? [] : sortServices(filterServices(data.services, query, health), sort, direction);

  return (
    <div className="page" data-test="services-page">
      <PageHeader title="Services" generatedAt={data?.generatedAt} window={window} />
      {services.isError && data !== undefined ? <StaleBanner error={services.error} /> : null}
      {data === undefined ? (
        services.isError ? <ErrorState error={services.error} /> : <LoadingState what="services" />
      ) : data.services.length === 0 ? (
        <EmptyState title="No services have registered yet." testId="services-empty">
          Services appear once a sidecar registers beside them (for example with <code>trellis sidecar</code>).
        </EmptyState>
      ) : (
        <>
          <ServicesChart services={data.services} window={window} />
          <section className="card">
            <div className="card-header toolbar">
              <FilterInput param="q" placeholder="Filter by name or version" testId="services-filter" />
              <label className="control-label">
                Health
                <select className="select" data-test="services-health-filter" value={health} onChange={(e) => url.set([["health", e.target.value, "all"]])}>
                  {HEALTH_FILTERS.map((h) => <option key={h} value={h}>{h}</option>)}
                </select>
              </label>
              <span className="spacer" />
              <span className="faint" data-test="services-count">{rows.length} of {data.services.length} services</span>
            </div>
            {rows.length === 0 ? (
              <EmptyState title="No service matches these filters." testId="services-no-match">
                {query !== "" ? `Nothing is named like “${query}”` : "Nothing is in this health state"} in the last {windowPhrase(window)}.
              </EmptyState>
            ) : (
              <ServicesTable services={rows} sort={sort} direction={direction} onSort={onSort} graphHref={graphHref} detailHref={detailHref} />
            )}
          </section>
        </>
      )}
    </div>
  );
}
