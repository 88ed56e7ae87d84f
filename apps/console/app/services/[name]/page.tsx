import type { Metadata } from "next";
import { Suspense } from "react";
import { LoadingState } from "../../../components/query-state";
import { ServiceDetailPage } from "../../../features/service-detail/service-detail-page";

export const metadata: Metadata = { title: "Service" };

export default async function Page({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return (
    <Suspense fallback={<LoadingState what="the service" />}>
      <ServiceDetailPage service={decodeURIComponent(name)} />
    </Suspense>
  );
}
