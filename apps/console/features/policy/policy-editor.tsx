"use client";
// The editable form for one service: the split, match rules and settings on the left, review and
// apply on the right. Validation is parsePolicy, the control plane's own check, on every edit.
import { parsePolicy, type PolicyContext, type PolicySpec } from "@trellis/mesh-model";
import { useMemo, useState } from "react";
import { ApplyPanel } from "./apply-panel";
import { SECTIONS } from "./form-fields";
import { formToDraft, specToForm, splitPath, type PolicyForm } from "./form-model";
import { FieldIssues } from "./field-issues";
import { issuesUnder } from "./issues";
import { MatchRules } from "./match-rules";
import { SettingsSection } from "./settings-section";
import { WeightsEditor } from "./weights-editor";
import styles from "./policy.module.css";

interface Props {
  service: string;
  current: PolicySpec;
  versions: readonly string[];
  context: PolicyContext;
  onApplied: (applied: { revision: number; reaches: string[] }) => void;
  aside: React.ReactNode;
}

export function PolicyEditor({ service, current, versions, context, onApplied, aside }: Props) {
  const [form, setForm] = useState<PolicyForm>(() => specToForm(current, versions));
  const draft = useMemo(() => formToDraft(form), [form]);
  const result = useMemo(() => parsePolicy(draft, context), [draft, context]);
  const issues = result.ok ? [] : result.issues;
  const split = splitPath(form);
  const sectionPaths = new Set(SECTIONS.flatMap((s) => s.fields.map((f) => f.path)));
  // Anything not placed beside a field (e.g. "service") is listed at the top, so nothing is hidden.
  const unplaced = issues.filter((i) => !i.path.startsWith("routes.") && ![...sectionPaths].some((p) => i.path === p || i.path.startsWith(`${p}.`)));

  return (
    <div className={styles.layout}>
      <div className={styles.column}>
        <FieldIssues issues={unplaced} />
        <section className="card" data-test="policy-split">
          <div className="card-header">
            <h2 className={styles.sectionTitle}>Traffic split</h2>
            <span className="faint">requests no rule matches; all unset: any version, by endpoint</span>
          </div>
          <div className="card-body">
            <WeightsEditor weights={form.split} path={split} issues={issuesUnder(issues, split)} testPrefix="policy-weight" onChange={(weights) => setForm({ ...form, split: weights })} />
            <FieldIssues issues={issuesUnder(issues, split).filter((i) => !i.path.startsWith(`${split}.backends`))} />
          </div>
        </section>
        <MatchRules rules={form.rules} versions={versions} issues={issues.filter((i) => !issuesUnder([i], split).length)} onChange={(rules) => setForm({ ...form, rules })} />
        {SECTIONS.map((s) => (
          <SettingsSection key={s.id} title={s.title} fields={s.fields} values={form.fields} issues={issues}
            onChange={(path, value) => setForm({ ...form, fields: { ...form.fields, [path]: value } })} />
        ))}
      </div>
      <div className={styles.column}>
        <ApplyPanel service={service} current={current} draft={draft} valid={result.ok ? result.spec : null} localIssues={issues} onApplied={onApplied} />
        {aside}
      </div>
    </div>
  );
}
