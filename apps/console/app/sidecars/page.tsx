import type { Metadata } from "next";
import { Suspense } from "react";
import { LoadingState } from "../../components/query-state";
import { SidecarsPage } from "../../features/sidecars/sidecars-page";

export const metadata: Metadata = { title: "Sidecars" };

export default function Page() {
  return (
    <Suspense fallback={<LoadingState what="sidecars" />}>
      <SidecarsPage />
    </Suspense>
  );
}
