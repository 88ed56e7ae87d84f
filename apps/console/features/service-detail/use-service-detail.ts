"use client";
// The detail page's own data: the service's series over the chosen range, and every service's
// latest policy (for the graph's badges). The rest comes from the other features' hooks.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { fetchPolicies, fetchServiceEndpoints, fetchServiceSeries } from "../../lib/api-client";
import { apiWindow, type CustomRange, type WindowChoice } from "../../lib/view-state";
import { detailKeys } from "./query-keys";

export function useServiceSeries(service: string, window: WindowChoice, custom: CustomRange | null, refreshMs: number | false) {
  const range: { window: string } | { from: string; to: string } = custom === null
    ? { window: apiWindow(window) }
    : { from: new Date(custom.fromMs).toISOString(), to: new Date(custom.toMs).toISOString() };
  return useQuery({
    queryKey: detailKeys.series(service, range),
    queryFn: ({ signal }) => fetchServiceSeries(service, range, signal),
    // A fixed range in the past does not change.
    refetchInterval: custom !== null && custom.toMs < Date.now() ? false : refreshMs,
    placeholderData: keepPreviousData,
  });
}

export function usePolicies(refreshMs: number | false) {
  return useQuery({
    queryKey: detailKeys.policies(),
    queryFn: ({ signal }) => fetchPolicies(signal),
    refetchInterval: refreshMs === false ? false : Math.max(refreshMs, 10_000),
    placeholderData: keepPreviousData,
  });
}

/** The longest look-back the endpoints API takes: 7 days, in minutes. */
const MAX_WINDOW_MINUTES = 7 * 24 * 60;

/** Endpoints with their breaker state; ejections counted over the window (a custom range: from its start until now). */
export function useServiceEndpoints(service: string, window: WindowChoice, custom: CustomRange | null, refreshMs: number | false) {
  const lookBack = custom === null ? apiWindow(window) : `${Math.min(MAX_WINDOW_MINUTES, Math.max(1, Math.ceil((Date.now() - custom.fromMs) / 60_000)))}m`;
  return useQuery({
    queryKey: detailKeys.endpoints(service, lookBack),
    queryFn: ({ signal }) => fetchServiceEndpoints(service, lookBack, signal),
    refetchInterval: refreshMs,
    placeholderData: keepPreviousData,
  });
}
