import type { Metadata } from "next";
import { Suspense } from "react";
import { LoadingState } from "../../components/query-state";
import { ServicesPage } from "../../features/services/services-page";

export const metadata: Metadata = { title: "Services" };

export default function Page() {
  return (
    <Suspense fallback={<LoadingState what="services" />}>
      <ServicesPage />
    </Suspense>
  );
}
