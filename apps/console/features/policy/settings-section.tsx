"use client";
// One card of scalar policy fields (retries, timeout, breaker, balancer, health check). Empty means default.
import type { FieldIssue } from "@trellis/mesh-model";
import type { FieldDef } from "./form-fields";
import { FieldIssues } from "./field-issues";
import styles from "./policy.module.css";

interface Props {
  title: string;
  fields: readonly FieldDef[];
  values: Record<string, string>;
  issues: readonly FieldIssue[];
  onChange: (path: string, value: string) => void;
}

export function SettingsSection({ title, fields, values, issues, onChange }: Props) {
  return (
    <section className="card">
      <div className="card-header"><h2 className={styles.sectionTitle}>{title}</h2></div>
      <div className={`card-body ${styles.grid}`}>
        {fields.map((f) => {
          const own = issues.filter((i) => i.path === f.path || i.path.startsWith(`${f.path}.`));
          // A list of checkboxes has its own labels, and labels do not nest.
          const Wrapper = f.kind === "enum-list" ? "div" : "label";
          return (
            <Wrapper key={f.path} className={styles.field} data-invalid={own.length > 0} data-wide={f.kind === "enum-list"}>
              {f.label}
              <FieldInput field={f} value={values[f.path] ?? ""} onChange={(v) => onChange(f.path, v)} />
              <FieldIssues issues={own} />
            </Wrapper>
          );
        })}
      </div>
    </section>
  );
}

function FieldInput({ field, value, onChange }: { field: FieldDef; value: string; onChange: (v: string) => void }) {
  const test = `policy-field-${field.path}`;
  if (field.kind === "enum" || field.kind === "bool") {
    const options = field.kind === "bool" ? ["true", "false"] : field.options ?? [];
    return (
      <select className="select" data-test={test} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">default ({field.placeholder})</option>
        {options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    );
  }
  if (field.kind === "enum-list") {
    const chosen = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
    const toggle = (o: string) => onChange((chosen.includes(o) ? chosen.filter((c) => c !== o) : [...chosen, o]).join(", "));
    return (
      <span className={styles.checks} data-test={test} title={`none checked: default (${field.placeholder})`}>
        {(field.options ?? []).map((o) => (
          <label key={o}>
            <input type="checkbox" data-test={`${test}-${o}`} checked={chosen.includes(o)} onChange={() => toggle(o)} />
            {o}
          </label>
        ))}
      </span>
    );
  }
  return <input className="input" data-test={test} value={value} placeholder={field.placeholder} onChange={(e) => onChange(e.target.value)} />;
}
