import type { Metadata } from "next";
import { Suspense } from "react";
import { LoadingState } from "../../../../components/query-state";
import { PolicyPage } from "../../../../features/policy/policy-page";

export const metadata: Metadata = { title: "Policy" };

export default async function Page({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return (
    <Suspense fallback={<LoadingState what="the policy" />}>
      <PolicyPage service={decodeURIComponent(name)} />
    </Suspense>
  );
}
