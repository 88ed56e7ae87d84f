"use client";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { fetchServices } from "../../lib/api-client";
import { apiWindow, type WindowChoice } from "../../lib/view-state";
import { servicesKeys } from "./query-keys";

export function useServices(window: WindowChoice, refreshMs: number | false, enabled = true) {
  const apiWin = apiWindow(window);
  return useQuery({
    queryKey: servicesKeys.list(apiWin),
    queryFn: ({ signal }) => fetchServices(apiWin, signal),
    refetchInterval: refreshMs,
    enabled,
    placeholderData: keepPreviousData,
  });
}
