"use client";
// Reads and writes the view state in the URL. Writes go through the History API, which Next.js
// keeps in sync with useSearchParams without a server round trip.
import { usePathname, useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";
import {
  DEFAULT_REFRESH, DEFAULT_WINDOW, REFRESH_CHOICES, WINDOW_CHOICES, coveringWindow, readChoice, readCustomRange, readText,
  refreshIntervalMs, withParams, type CustomRange, type RefreshChoice, type WindowChoice,
} from "./view-state";

/** "push" adds a history entry (Back undoes it); "replace" suits keystrokes in a filter box. */
export type HistoryMode = "push" | "replace";
export type ParamChange = [key: string, value: string, defaultValue?: string];

export interface UrlState {
  params: URLSearchParams;
  choice<T extends string>(key: string, choices: readonly T[], fallback: T): T;
  text(key: string): string;
  set(changes: ParamChange[], mode?: HistoryMode): void;
}

export function useUrlState(): UrlState {
  const searchParams = useSearchParams();
  const pathname = usePathname();
  const params = useMemo(() => new URLSearchParams(searchParams.toString()), [searchParams]);
  const set = useCallback((changes: ParamChange[], mode: HistoryMode = "push") => {
    // Read the live URL, not the render's params, so two quick changes do not undo each other.
    const current = new URLSearchParams(window.location.search);
    const href = `${pathname}${withParams(current, changes)}`;
    if (mode === "push") window.history.pushState(null, "", href);
    else window.history.replaceState(null, "", href);
  }, [pathname]);
  return useMemo(() => ({
    params,
    choice: (key, choices, fallback) => readChoice(params, key, choices, fallback),
    text: (key) => readText(params, key),
    set,
  }), [params, set]);
}

export interface GlobalView {
  /** The look-back window; with a custom range, the shortest one reaching back to its start. */
  window: WindowChoice;
  /** A fixed range chosen with "custom", or null for a look-back window. */
  custom: CustomRange | null;
  refresh: RefreshChoice;
  refreshMs: number | false;
}

/** The time window and auto-refresh interval every page shares. */
export function useGlobalView(): GlobalView {
  const url = useUrlState();
  const now = Date.now();
  const custom = readCustomRange(url.params, now);
  const timeWindow = custom === null ? url.choice("window", WINDOW_CHOICES, DEFAULT_WINDOW) : coveringWindow(custom, now);
  const refresh = url.choice("refresh", REFRESH_CHOICES, DEFAULT_REFRESH);
  return { window: timeWindow, custom, refresh, refreshMs: refreshIntervalMs(refresh) };
}
