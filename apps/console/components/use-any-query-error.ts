"use client";
// Whether any query on screen is currently in error, for the header's status dot.
import { useQueryClient } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";

export function useAnyQueryError(): boolean {
  const cache = useQueryClient().getQueryCache();
  return useSyncExternalStore(
    (onChange) => cache.subscribe(onChange),
    () => cache.getAll().some((q) => q.isActive() && q.state.status === "error"),
    () => false,
  );
}
