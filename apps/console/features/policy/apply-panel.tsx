"use client";
// Before applying: the spec diff (local), the compiled diff and the sidecars reached (the control
// plane's preview, authoritative), a required message. Apply is a PUT; server errors keep their path.
import { diffJson, type FieldIssue, type PolicySpec } from "@trellis/mesh-model";
import { useState } from "react";
import { useCan } from "../auth/use-session";
import { ApiStatusError } from "../../lib/api-errors";
import { DiffList } from "./diff-list";
import { FieldIssues } from "./field-issues";
import { specRelative } from "./issues";
import { useApplyPolicy, usePreviewPolicy } from "./use-policy";
import styles from "./policy.module.css";

interface Props {
  service: string;
  current: PolicySpec;
  draft: Record<string, unknown>;
  /** The draft when it passed local validation. */
  valid: PolicySpec | null;
  localIssues: readonly FieldIssue[];
  onApplied: (applied: { revision: number; reaches: string[] }) => void;
}

export function ApplyPanel({ service, current, draft, valid, localIssues, onApplied }: Props) {
  const preview = usePreviewPolicy(service);
  const apply = useApplyPolicy(service);
  const [message, setMessage] = useState("");
  const draftKey = JSON.stringify(draft);
  const previewFresh = preview.data !== undefined && JSON.stringify(preview.variables) === draftKey;
  const specDiff = diffJson(current, valid ?? draft);
  const canApply = valid !== null && previewFresh && preview.data?.valid === true && message.trim() !== "" && !apply.isPending;
  // Viewers get no edit controls (the control plane refuses their changes anyway).
  const canEdit = useCan("editor");

  const onApply = () => {
    if (valid === null || preview.data === undefined) return;
    const reaches = preview.data.reaches;
    // Not mutate's per-call onSuccess: saving refreshes the current policy, which remounts this
    // editor before that callback would run, and React Query skips callbacks of unmounted observers.
    apply.mutateAsync({ spec: valid, message: message.trim() }).then(
      (saved) => onApplied({ revision: saved.revision, reaches }),
      () => undefined, // shown from apply.error
    );
  };

  if (!canEdit) {
    return (
      <section className="card" data-test="policy-readonly">
        <div className="card-body muted">Read only: your role cannot change policies. Ask an editor or an admin.</div>
      </section>
    );
  }

  return (
    <section className="card" data-test="policy-apply-panel">
      <div className="card-header">
        <h2 className={styles.sectionTitle}>Review and apply</h2>
        <span className="spacer" />
        <span className="faint" data-test="policy-change-count">{specDiff.length} change{specDiff.length === 1 ? "" : "s"}</span>
      </div>
      <div className="card-body">
        {localIssues.length > 0 ? (
          <div data-test="policy-issues" data-count={localIssues.length}>
            <p className={styles.subTitle} style={{ marginTop: 0 }}>{localIssues.length} problem{localIssues.length === 1 ? "" : "s"} to fix</p>
          </div>
        ) : null}
        <p className={styles.subTitle} style={{ marginTop: 0 }}>Spec</p>
        <DiffList entries={specDiff} testId="policy-diff" empty="No change to the spec in force." />
        <div className={styles.actions}>
          <button type="button" className="btn" data-test="policy-preview" disabled={valid === null || preview.isPending} onClick={() => preview.mutate(draft)}>
            {preview.isPending ? "Previewing…" : previewFresh ? "Preview again" : "Preview"}
          </button>
          {preview.data !== undefined && !previewFresh ? <span className="faint" data-test="policy-preview-stale">the form changed since the preview</span> : null}
        </div>
        {preview.isError ? <ServerError error={preview.error} testId="policy-preview-error" /> : null}
        {previewFresh && preview.data !== undefined ? (
          <div data-test="policy-preview-result" data-valid={preview.data.valid}>
            <FieldIssues issues={preview.data.issues} />
            <p className={styles.subTitle}>Compiled bundle (what sidecars receive)</p>
            <DiffList entries={preview.data.changes} testId="policy-compiled-diff" empty="The compiled bundle does not change." />
            <p className={styles.subTitle}>Sidecars it reaches ({preview.data.reaches.length})</p>
            {preview.data.reaches.length === 0 ? <p className="muted" style={{ margin: 0, fontSize: 12 }}>None: no live sidecar's bundle changes.</p> : (
              <ul className={styles.reach} data-test="policy-reaches">
                {preview.data.reaches.map((id) => <li key={id} className={styles.mono} data-test={`policy-reach-${id}`}>{id}</li>)}
              </ul>
            )}
          </div>
        ) : null}
        <p className={styles.subTitle}>Why (required)</p>
        <textarea className={styles.message} data-test="policy-message" value={message} maxLength={1000} placeholder="e.g. shift 10% of reviews to v2 for the canary" onChange={(e) => setMessage(e.target.value)} />
        <div className={styles.actions}>
          <button type="button" className={`btn ${styles.primary}`} data-test="policy-apply" disabled={!canApply} onClick={onApply}>
            {apply.isPending ? "Applying…" : "Apply"}
          </button>
          <span className="faint">{valid === null ? "fix the problems first" : !previewFresh ? "preview first" : message.trim() === "" ? "write why" : null}</span>
        </div>
        {apply.isError ? <ServerError error={apply.error} testId="policy-apply-error" /> : null}
      </div>
    </section>
  );
}

function ServerError({ error, testId }: { error: Error; testId: string }) {
  const path = error instanceof ApiStatusError ? specRelative(error.path) : "";
  return (
    <div className={styles.serverError} data-test={testId} data-path={path} role="alert" style={{ marginTop: 8 }}>
      {error.message}{path === "" ? null : <> <code className={styles.mono}>{path}</code></>}
    </div>
  );
}
