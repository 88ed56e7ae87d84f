import type { Metadata } from "next";
import { Suspense } from "react";
import { preload } from "react-dom";
import { CONSOLE_API, POLICY_API } from "@trellis/mesh-model";
import { LoadingState } from "../components/query-state";
import { GraphPage } from "../features/graph/graph-page";
import { apiGetUrl } from "../lib/api-client";
import { DEFAULT_WINDOW, WINDOW_CHOICES, apiWindow, coveringWindow, readChoice, readCustomRange } from "../lib/view-state";

export const metadata: Metadata = { title: { absolute: "Service graph · Trellis" } };

type SearchParams = Record<string, string | string[] | undefined>;

export default async function Page({ searchParams }: { searchParams: Promise<SearchParams> }) {
  // The browser starts the graph's API calls while it loads the scripts (a preload in the head),
  // instead of after hydration: the page's queries then find the answers on their way. The URLs
  // are the ones the queries fetch (same window logic as useGlobalView); a mismatch only costs
  // an unused preload.
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(await searchParams)) if (typeof v === "string") params.set(k, v);
  const now = Date.now();
  const custom = readCustomRange(params, now);
  const window = custom === null ? readChoice(params, "window", WINDOW_CHOICES, DEFAULT_WINDOW) : coveringWindow(custom, now);
  preload(apiGetUrl(CONSOLE_API.graph, { window: apiWindow(window) }), { as: "fetch", crossOrigin: "anonymous" });
  preload(apiGetUrl(POLICY_API.policies), { as: "fetch", crossOrigin: "anonymous" });
  return (
    <Suspense fallback={<LoadingState what="the service graph" />}>
      <GraphPage />
    </Suspense>
  );
}
