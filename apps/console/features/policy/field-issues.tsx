// Validation issues shown beside the field they concern, each findable by its dotted path.
import type { FieldIssue } from "@trellis/mesh-model";
import styles from "./policy.module.css";

export function FieldIssues({ issues }: { issues: readonly FieldIssue[] }) {
  if (issues.length === 0) return null;
  return (
    <>
      {issues.map((i) => (
        <div key={`${i.path} ${i.code}`} className={styles.issue} data-test={`policy-issue-${i.path}`} data-code={i.code} role="alert">
          {i.message} <code>{i.path}</code>
        </div>
      ))}
    </>
  );
}
