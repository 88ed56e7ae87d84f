"use client";
// Auto-refresh: the interval (in the URL, "off" when paused), pause/resume, refresh now, and a dot
// that pulses while any query is fetching and turns red when the last one failed.
import { useIsFetching, useQueryClient } from "@tanstack/react-query";
import { useRef } from "react";
import { DEFAULT_REFRESH, REFRESH_CHOICES, type RefreshChoice } from "../lib/view-state";
import { useGlobalView, useUrlState } from "../lib/use-url-state";
import { useAnyQueryError } from "./use-any-query-error";

export function RefreshControl() {
  const url = useUrlState();
  const { refresh } = useGlobalView();
  const queryClient = useQueryClient();
  const fetching = useIsFetching() > 0;
  const failing = useAnyQueryError();
  const resumeTo = useRef<RefreshChoice>(refresh === "off" ? DEFAULT_REFRESH : refresh);
  if (refresh !== "off") resumeTo.current = refresh;
  const paused = refresh === "off";
  const setRefresh = (choice: RefreshChoice) => url.set([["refresh", choice, DEFAULT_REFRESH]]);

  return (
    <div className="control-label">
      <span className="activity" data-test="refresh-status" data-fetching={fetching} data-error={failing} title={failing ? "The last refresh failed" : fetching ? "Refreshing…" : "Up to date"} />
      <label className="control-label">
        Refresh
        <select className="select" data-test="refresh-interval" value={refresh} onChange={(e) => setRefresh(REFRESH_CHOICES.find((c) => c === e.target.value) ?? DEFAULT_REFRESH)}>
          {REFRESH_CHOICES.map((choice) => (
            <option key={choice} value={choice}>{choice === "off" ? "paused" : `every ${choice}`}</option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="btn btn-icon"
        data-test="refresh-toggle"
        data-paused={paused}
        aria-label={paused ? "Resume auto-refresh" : "Pause auto-refresh"}
        title={paused ? "Resume auto-refresh" : "Pause auto-refresh"}
        onClick={() => setRefresh(paused ? resumeTo.current : "off")}
      >
        {paused ? "▶" : "❚❚"}
      </button>
      <button type="button" className="btn btn-icon" data-test="refresh-now" aria-label="Refresh now" title="Refresh now" onClick={() => void queryClient.invalidateQueries({ type: "active" })}>
        ⟳
      </button>
    </div>
  );
}
