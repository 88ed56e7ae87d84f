"use client";
// The policy editor page of one service: loads the spec in force and the registry, then edits,
// reviews, applies, follows the sync, and shows the history.
import type { PolicyContext } from "@trellis/mesh-model";
import Link from "next/link";
import { useMemo, useState } from "react";
import { ErrorState, LoadingState } from "../../components/query-state";
import { PageHeader } from "../../components/page-header";
import { useGlobalView } from "../../lib/use-url-state";
import { useServices } from "../services/use-services";
import { PolicyEditor } from "./policy-editor";
import { PolicyHistory } from "./policy-history";
import { SyncPanel } from "./sync-panel";
import { useCurrentPolicy } from "./use-policy";

export function PolicyPage({ service }: { service: string }) {
  const { window, refreshMs } = useGlobalView();
  const policy = useCurrentPolicy(service);
  const services = useServices(window, refreshMs);
  const [applied, setApplied] = useState<{ revision: number; reaches: string[] } | null>(null);
  const list = services.data?.services;
  const context = useMemo<PolicyContext | undefined>(() => (list === undefined ? undefined : { services: list.map((s) => ({ name: s.name, versions: s.versions })) }), [list]);
  const versions = list?.find((s) => s.name === service)?.versions ?? [];
  const current = policy.data;

  return (
    <div className="page" data-test="policy-page" data-service={service}>
      <PageHeader title={`Policy · ${service}`}>
        {current === undefined ? null : (
          <span className="muted" data-test="policy-current">
            {current.current === null ? "defaults in force" : `revision ${current.current.revision} by ${current.current.author}`}
          </span>
        )}
        <span className="spacer" />
        <Link href={`/?sel=${encodeURIComponent(`node:${service}`)}`} className="muted">Show in the graph</Link>
      </PageHeader>
      {current === undefined || context === undefined ? (
        policy.isError ? <ErrorState error={policy.error} /> : services.isError ? <ErrorState error={services.error} /> : <LoadingState what="the policy" />
      ) : (
        <PolicyEditor
          key={current.current?.revision ?? "defaults"}
          service={service} current={current.spec} versions={versions} context={context} onApplied={setApplied}
          aside={
            <>
              {applied === null ? null : <SyncPanel revision={applied.revision} reaches={applied.reaches} />}
              {/* A rollback's reach is not previewed, so the sync panel of an earlier apply would mislead. */}
              <PolicyHistory service={service} currentRevision={current.current?.revision ?? null} onRolledBack={() => setApplied(null)} />
            </>
          }
        />
      )}
    </div>
  );
}
