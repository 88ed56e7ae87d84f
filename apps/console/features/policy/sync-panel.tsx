"use client";
// After applying: each reached sidecar's sync state, live, until it has taken the new revision.
import type { SyncState } from "@trellis/mesh-model";
import { useSidecars } from "../sidecars/use-sidecars";
import styles from "./policy.module.css";

const SYNC_TONE: Record<SyncState, string> = { synced: "healthy", pending: "unknown", stale: "degraded", rejected: "failing", disconnected: "failing" };
const POLL_MS = 1000;

export function SyncPanel({ revision, reaches }: { revision: number; reaches: readonly string[] }) {
  const sidecars = useSidecars(POLL_MS);
  const byId = new Map((sidecars.data?.sidecars ?? []).map((s) => [s.instanceId, s]));
  return (
    <section className="card" data-test="policy-sync" data-revision={revision}>
      <div className="card-header">
        <h2 className={styles.sectionTitle}>Applied as revision {revision}</h2>
        <span className="spacer" />
        <span className="faint">{reaches.length} sidecar{reaches.length === 1 ? "" : "s"} to update</span>
      </div>
      <div className="card-body">
        {reaches.length === 0 ? <p className="muted" style={{ margin: 0 }}>No sidecar's bundle changed.</p> : (
          <ul className={styles.reach}>
            {reaches.map((id) => {
              const s = byId.get(id);
              const state: SyncState = s?.syncState ?? "disconnected";
              return (
                <li key={id}>
                  <span className={styles.mono}>{id}{s ? <span className="faint"> · {s.version}</span> : null}</span>
                  <span>
                    {s?.lastError ? <span className="error-text" data-test={`policy-sync-error-${id}`}>{s.lastError} </span> : null}
                    <span className="badge" data-tone={SYNC_TONE[state]} data-test={`policy-sync-${id}`} data-sync={state} title={`acked revision ${s?.ackedRevision ?? "none"}`}>
                      {s === undefined ? "gone" : state}
                    </span>
                  </span>
                </li>
              );
            })}
          </ul>
        )}
      </div>
    </section>
  );
}
