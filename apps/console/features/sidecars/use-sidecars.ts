"use client";
import { useQuery } from "@tanstack/react-query";
import { fetchSidecars } from "../../lib/api-client";
import { sidecarsKeys } from "./query-keys";

export function useSidecars(refreshMs: number | false) {
  return useQuery({
    queryKey: sidecarsKeys.list(),
    queryFn: ({ signal }) => fetchSidecars(signal),
    refetchInterval: refreshMs,
  });
}
