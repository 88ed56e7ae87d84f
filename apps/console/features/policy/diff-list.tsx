// A diffJson result as a compact list: path, before → after.
import type { JsonDiffEntry } from "@trellis/mesh-model";
import styles from "./policy.module.css";

const show = (value: unknown) => (value === undefined ? "" : JSON.stringify(value));

export function DiffList({ entries, testId, empty }: { entries: readonly JsonDiffEntry[]; testId: string; empty: string }) {
  if (entries.length === 0) return <p className="muted" style={{ margin: 0, fontSize: 12 }} data-test={testId} data-count={0}>{empty}</p>;
  return (
    <ul className={styles.diff} data-test={testId} data-count={entries.length}>
      {entries.map((e) => (
        <li key={`${e.kind} ${e.path}`} data-kind={e.kind}>
          {e.kind === "added" ? "+ " : e.kind === "removed" ? "− " : "~ "}
          {e.path || "(root)"}: {e.kind === "added" ? show(e.after) : e.kind === "removed" ? show(e.before) : `${show(e.before)} → ${show(e.after)}`}
        </li>
      ))}
    </ul>
  );
}
