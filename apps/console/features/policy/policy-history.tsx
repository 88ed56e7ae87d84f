"use client";
// The service's revisions, newest first: who, when, why; diff one against the current, or roll back to it.
import { useState } from "react";
import { formatClock } from "../../lib/format";
import { useUrlState } from "../../lib/use-url-state";
import { useCan } from "../auth/use-session";
import { DiffList } from "./diff-list";
import { usePolicyDiff, usePolicyRevisions, useRollbackPolicy } from "./use-policy";
import styles from "./policy.module.css";

interface Props {
  service: string;
  currentRevision: number | null;
  onRolledBack: () => void;
}

export function PolicyHistory({ service, currentRevision, onRolledBack }: Props) {
  const url = useUrlState();
  const revisions = usePolicyRevisions(service);
  const rollback = useRollbackPolicy(service);
  const [confirming, setConfirming] = useState<number | null>(null);
  const canEdit = useCan("editor");
  const diffFrom = Number.parseInt(url.text("diff"), 10);
  const range = Number.isInteger(diffFrom) && currentRevision !== null && diffFrom !== currentRevision ? { from: diffFrom, to: currentRevision } : null;
  const diff = usePolicyDiff(service, range);
  const rows = [...(revisions.data?.revisions ?? [])].sort((a, b) => b.revision - a.revision);

  return (
    <section className="card" data-test="policy-history">
      <div className="card-header"><h2 className={styles.sectionTitle}>History</h2></div>
      {rows.length === 0 ? <div className="card-body muted">{revisions.isPending ? "Loading…" : "No revision yet: the defaults are in force."}</div> : (
        <div className="table-wrap">
          <table className={`data ${styles.history}`}>
            <thead><tr><th>Rev</th><th>Change</th><th /></tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.revision} data-test={`policy-history-row-${r.revision}`} data-current={r.revision === currentRevision}>
                  <td className="num">{r.revision}{r.revision === currentRevision ? <span className="faint"> current</span> : null}</td>
                  <td className={styles.msg}>
                    <div data-test={`policy-history-message-${r.revision}`}>{r.message}</div>
                    <div className="faint"><span title={r.createdAt}>{formatClock(r.createdAt)}</span> · {r.author}</div>
                  </td>
                  <td className={styles.rowActions}>
                    {r.revision === currentRevision ? null : confirming === r.revision ? (
                      <>
                        <button type="button" className={styles.linkBtn} data-test={`policy-rollback-confirm-${r.revision}`} disabled={rollback.isPending}
                          onClick={() => rollback.mutateAsync(r.revision).then(onRolledBack, () => undefined).finally(() => setConfirming(null))}>Confirm</button>
                        <button type="button" className={styles.linkBtn} onClick={() => setConfirming(null)}>Cancel</button>
                      </>
                    ) : (
                      <>
                        <button type="button" className={styles.linkBtn} data-test={`policy-diff-${r.revision}`} title="Diff against the current revision" onClick={() => url.set([["diff", String(r.revision), ""]])}>Diff</button>
                        {canEdit ? <button type="button" className={styles.linkBtn} data-test={`policy-rollback-${r.revision}`} title="Make this revision's spec current again, as a new revision" onClick={() => setConfirming(r.revision)}>Roll back</button> : null}
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rollback.isError ? <div className={`card-body ${styles.serverError}`} role="alert" data-test="policy-rollback-error">{rollback.error.message}</div> : null}
      {range === null ? null : (
        <div className="card-body" data-test="policy-history-diff" data-from={range.from}>
          <div className="toolbar">
            <strong style={{ fontSize: 12 }}>Revision {range.from} → current ({range.to})</strong>
            <span className="spacer" />
            <button type="button" className={styles.linkBtn} onClick={() => url.set([["diff", "", ""]])}>Close</button>
          </div>
          {diff.data === undefined ? <p className="muted">{diff.isError ? diff.error.message : "Loading…"}</p> : (
            <>
              <p className={styles.subTitle}>Spec</p>
              <DiffList entries={diff.data.spec} testId="policy-history-diff-spec" empty="Same spec." />
              <p className={styles.subTitle}>Compiled</p>
              <DiffList entries={diff.data.compiled} testId="policy-history-diff-compiled" empty="Same compiled bundle." />
            </>
          )}
        </div>
      )}
    </section>
  );
}
