import type { Metadata } from "next";
import { Suspense } from "react";
import { LoadingState } from "../components/query-state";
import { GraphPage } from "../features/graph/graph-page";

export const metadata: Metadata = { title: { absolute: "Service graph · Trellis" } };

export default function Page() {
  return (
    <Suspense fallback={<LoadingState what="the service graph" />}>
      <GraphPage />
    </Suspense>
  );
}
