"use client";
// Ordered match rules: the first rule that matches a request wins; requests no rule matches get the split.
import { HTTP_METHODS, type FieldIssue } from "@trellis/mesh-model";
import { HEADER_KINDS, PATH_KINDS, emptyRule, move, pick, rulePath, type HeaderForm, type RuleForm } from "./form-model";
import { FieldIssues } from "./field-issues";
import { issuesUnder } from "./issues";
import { WeightsEditor } from "./weights-editor";
import styles from "./policy.module.css";

interface Props {
  rules: RuleForm[];
  versions: readonly string[];
  issues: readonly FieldIssue[];
  onChange: (rules: RuleForm[]) => void;
}

export function MatchRules({ rules, versions, issues, onChange }: Props) {
  const update = (i: number, rule: RuleForm) => onChange(rules.map((r, k) => (k === i ? rule : r)));
  return (
    <section className="card" data-test="policy-rules">
      <div className="card-header">
        <h2 className={styles.sectionTitle}>Match rules</h2>
        <span className="faint">first match wins; unmatched requests use the split</span>
        <span className="spacer" />
        <button type="button" className="btn" data-test="policy-rule-add" onClick={() => onChange([...rules, emptyRule(versions)])}>Add rule</button>
      </div>
      <div className="card-body" style={{ display: "flex", flexDirection: "column", gap: 8 }}>
        {rules.length === 0 ? <p className="muted" style={{ margin: 0 }}>No rules: every request uses the split below.</p> : null}
        {rules.map((rule, i) => (
          <RuleEditor
            key={i} index={i} count={rules.length} rule={rule} issues={issuesUnder(issues, rulePath(i))}
            onChange={(r) => update(i, r)} onMove={(d) => onChange(move(rules, i, d))} onRemove={() => onChange(rules.filter((_, k) => k !== i))}
          />
        ))}
      </div>
    </section>
  );
}

interface RuleProps {
  index: number;
  count: number;
  rule: RuleForm;
  issues: readonly FieldIssue[];
  onChange: (rule: RuleForm) => void;
  onMove: (delta: number) => void;
  onRemove: () => void;
}

function RuleEditor({ index, count, rule, issues, onChange, onMove, onRemove }: RuleProps) {
  const path = rulePath(index);
  const test = `policy-rule-${index}`;
  const setHeader = (k: number, h: HeaderForm) => onChange({ ...rule, headers: rule.headers.map((x, j) => (j === k ? h : x)) });
  const toggleMethod = (m: (typeof HTTP_METHODS)[number]) =>
    onChange({ ...rule, methods: rule.methods.includes(m) ? rule.methods.filter((x) => x !== m) : [...rule.methods, m] });
  const placed = new Set<string>();
  const at = (prefix: string) => {
    const found = issuesUnder(issues, prefix);
    found.forEach((i) => placed.add(i.path));
    return found;
  };
  const pathIssues = at(`${path}.match.path`);
  const methodIssues = at(`${path}.match.methods`);
  const headerIssues = rule.headers.map((_, k) => at(`${path}.match.headers.${k}`));
  const backendIssues = at(`${path}.backends`);
  const rest = issues.filter((i) => !placed.has(i.path));
  return (
    <div className={styles.rule} data-test={test}>
      <div className={styles.ruleHead}>
        <span className={styles.ruleIndex}>#{index + 1}</span>
        <span className="spacer" />
        <button type="button" className="btn btn-icon" aria-label="move up" disabled={index === 0} onClick={() => onMove(-1)} data-test={`${test}-up`}>↑</button>
        <button type="button" className="btn btn-icon" aria-label="move down" disabled={index === count - 1} onClick={() => onMove(1)} data-test={`${test}-down`}>↓</button>
        <button type="button" className="btn" onClick={onRemove} data-test={`${test}-remove`}>Remove</button>
      </div>
      <div className={styles.ruleLine}>
        <label className="control-label">
          Path
          <select className="select" value={rule.pathKind} data-test={`${test}-path-kind`} onChange={(e) => onChange({ ...rule, pathKind: pick(e.target.value, PATH_KINDS, "") })}>
            <option value="">any</option><option value="exact">exact</option><option value="prefix">prefix</option><option value="regex">regex</option>
          </select>
        </label>
        {rule.pathKind === "" ? null : (
          <input className="input" value={rule.path} placeholder={rule.pathKind === "regex" ? "^/items/[0-9]+$" : "/api"} data-test={`${test}-path`} onChange={(e) => onChange({ ...rule, path: e.target.value })} />
        )}
      </div>
      <FieldIssues issues={pathIssues} />
      <div className={styles.ruleLine}>
        <span className="control-label">Methods</span>
        <span className={styles.methods}>
          {HTTP_METHODS.map((m) => (
            <button key={m} type="button" aria-pressed={rule.methods.includes(m)} onClick={() => toggleMethod(m)} data-test={`${test}-method-${m}`}>{m}</button>
          ))}
        </span>
        <span className="faint">{rule.methods.length === 0 ? "any method" : null}</span>
      </div>
      <FieldIssues issues={methodIssues} />
      {rule.headers.map((h, k) => (
        <div key={k}>
          <div className={styles.ruleLine}>
            <span className="control-label">Header</span>
            <input className="input" style={{ width: 150 }} value={h.name} placeholder="name" data-test={`${test}-header-${k}-name`} onChange={(e) => setHeader(k, { ...h, name: e.target.value })} />
            <select className="select" value={h.kind} data-test={`${test}-header-${k}-kind`} onChange={(e) => setHeader(k, { ...h, kind: pick(e.target.value, HEADER_KINDS, "exact"), value: e.target.value === "present" ? "true" : h.value })}>
              <option value="exact">exact</option><option value="prefix">prefix</option><option value="regex">regex</option><option value="present">present</option>
            </select>
            {h.kind === "present" ? (
              <select className="select" value={h.value} onChange={(e) => setHeader(k, { ...h, value: e.target.value })}>
                <option value="true">is present</option><option value="false">is absent</option>
              </select>
            ) : (
              <input className="input" style={{ width: 150 }} value={h.value} placeholder="value" data-test={`${test}-header-${k}-value`} onChange={(e) => setHeader(k, { ...h, value: e.target.value })} />
            )}
            <button type="button" className="btn btn-icon" aria-label="remove header" onClick={() => onChange({ ...rule, headers: rule.headers.filter((_, j) => j !== k) })}>×</button>
          </div>
          <FieldIssues issues={headerIssues[k] ?? []} />
        </div>
      ))}
      <div className={styles.ruleLine}>
        <button type="button" className="btn" data-test={`${test}-header-add`} onClick={() => onChange({ ...rule, headers: [...rule.headers, { name: "", kind: "exact", value: "" }] })}>Add header match</button>
      </div>
      <div>
        <span className="control-label">Versions (all unset: any version)</span>
        <WeightsEditor weights={rule.weights} path={path} issues={backendIssues} onChange={(weights) => onChange({ ...rule, weights })} testPrefix={`${test}-weight`} />
      </div>
      <FieldIssues issues={rest} />
    </div>
  );
}
