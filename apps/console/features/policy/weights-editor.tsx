"use client";
// Traffic shifting: a slider per version; the weights are relative, their shares show as percentages.
import type { FieldIssue } from "@trellis/mesh-model";
import { weightPercents } from "./form-model";
import { FieldIssues } from "./field-issues";
import styles from "./policy.module.css";

const BAR_COLOURS = ["var(--accent)", "var(--health-healthy)", "var(--health-degraded)", "var(--health-unknown)", "var(--health-failing)"];

interface Props {
  weights: Record<string, string>;
  /** The spec path of the route these weights belong to, e.g. "routes.2". */
  path: string;
  issues: readonly FieldIssue[];
  onChange: (weights: Record<string, string>) => void;
  testPrefix: string;
}

export function WeightsEditor({ weights, path, issues, onChange, testPrefix }: Props) {
  const percents = weightPercents(weights);
  const versions = Object.keys(weights);
  if (versions.length === 0) return <p className="muted">No versions of this service are registered yet.</p>;
  const set = (version: string, value: string) => onChange({ ...weights, [version]: value });
  return (
    <div>
      {versions.map((v, j) => {
        const own = issues.filter((i) => i.path.startsWith(`${path}.backends.${j}`));
        const numeric = Number(weights[v]);
        return (
          <div key={v}>
            <div className={styles.weightRow}>
              <span className="version-chip">{v}</span>
              <input
                type="range" min={0} max={100} step={1} aria-label={`weight of ${v}`}
                value={Number.isFinite(numeric) ? Math.min(100, numeric) : 0}
                onChange={(e) => set(v, e.target.value)}
                data-test={`${testPrefix}-slider-${v}`}
              />
              <input
                className="input" type="number" min={0} aria-label={`weight of ${v} (number)`} placeholder="–" title="unset: this version gets no share"
                value={weights[v]} onChange={(e) => set(v, e.target.value)} data-test={`${testPrefix}-${v}`}
              />
              <span className={styles.percent} data-test={`${testPrefix}-percent-${v}`}>{percents[v]!.toFixed(0)}%</span>
            </div>
            <FieldIssues issues={own} />
          </div>
        );
      })}
      <div className={styles.splitBar} aria-hidden="true">
        {versions.map((v, j) => <span key={v} style={{ width: `${percents[v]}%`, background: BAR_COLOURS[j % BAR_COLOURS.length] }} />)}
      </div>
      <FieldIssues issues={issues.filter((i) => i.path === `${path}.backends`)} />
    </div>
  );
}
