// The policy editor's form state and its conversion to and from a policy spec, both pure.
// An empty field means "the default": it is left out of the spec. Text the form cannot convert
// (e.g. "abc" for attempts) is passed through as is, so parsePolicy reports it at the field's path.
import type { HttpMethod, PolicySpec, RouteSpec } from "@trellis/mesh-model";
import { FIELDS, type FieldDef } from "./form-fields";

export const PATH_KINDS = ["", "exact", "prefix", "regex"] as const;
export type PathKind = (typeof PATH_KINDS)[number];
export const HEADER_KINDS = ["exact", "prefix", "regex", "present"] as const;
export type HeaderKind = (typeof HEADER_KINDS)[number];

/** A select's value as one of `choices`, or `fallback` (a select only offers the choices). */
export function pick<T extends string>(value: string, choices: readonly T[], fallback: T): T {
  return choices.find((c) => c === value) ?? fallback;
}

export interface HeaderForm { name: string; kind: HeaderKind; value: string }

/** A route's parts the form does not edit (its own retry/timeout/fault), kept so nothing is lost. */
type RouteExtra = Omit<RouteSpec, "match" | "backends">;

export interface RuleForm {
  pathKind: PathKind;
  path: string;
  methods: HttpMethod[];
  headers: HeaderForm[];
  /** Version → weight text; all empty means "any version". */
  weights: Record<string, string>;
  extra: RouteExtra;
}

export interface PolicyForm {
  service: string;
  /** The catch-all route's split (the last route, without a match). All empty means no split. */
  split: Record<string, string>;
  splitExtra: RouteExtra;
  /** Ordered match rules; the first that matches wins, before the split. */
  rules: RuleForm[];
  /** Scalar fields by dotted spec path (see form-fields.ts). */
  fields: Record<string, string>;
}

// ---- spec → form

export function specToForm(spec: PolicySpec, versions: readonly string[]): PolicyForm {
  const routes = spec.routes ?? [];
  const last = routes.at(-1);
  const hasSplit = last !== undefined && last.match === undefined;
  const ruleRoutes = hasSplit ? routes.slice(0, -1) : routes;
  const { match: _m, backends: _b, ...splitExtra } = hasSplit ? last : {};
  const fields: Record<string, string> = {};
  for (const f of FIELDS) fields[f.path] = fieldToText(f, getPath(spec, f.path));
  return {
    service: spec.service,
    split: weightsToForm(hasSplit ? last.backends : undefined, versions),
    splitExtra,
    rules: ruleRoutes.map((r) => routeToRule(r, versions)),
    fields,
  };
}

/** Versions the spec names first (in its order), then the other known ones. */
function weightsToForm(backends: RouteSpec["backends"], versions: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const b of backends ?? []) out[b.version] = String(b.weight);
  for (const v of versions) if (!(v in out)) out[v] = "";
  return out;
}

function routeToRule(route: RouteSpec, versions: readonly string[]): RuleForm {
  const { match, backends, ...extra } = route;
  const path = match?.path;
  const pathKind: PathKind = path === undefined ? "" : "exact" in path ? "exact" : "prefix" in path ? "prefix" : "regex";
  return {
    pathKind,
    path: path === undefined ? "" : "exact" in path ? path.exact : "prefix" in path ? path.prefix : path.regex,
    methods: [...(match?.methods ?? [])],
    headers: (match?.headers ?? []).map((h): HeaderForm => {
      if ("exact" in h) return { name: h.name, kind: "exact", value: h.exact };
      if ("prefix" in h) return { name: h.name, kind: "prefix", value: h.prefix };
      if ("regex" in h) return { name: h.name, kind: "regex", value: h.regex };
      return { name: h.name, kind: "present", value: String(h.present) };
    }),
    weights: weightsToForm(backends, versions),
    extra,
  };
}

function fieldToText(f: FieldDef, value: unknown): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

// ---- form → spec draft (unvalidated: feed it to parsePolicy)

export function formToDraft(form: PolicyForm): Record<string, unknown> {
  const draft: Record<string, unknown> = { service: form.service };
  for (const f of FIELDS) {
    const text = (form.fields[f.path] ?? "").trim();
    if (text !== "") setPath(draft, f.path, textToValue(f, text));
  }
  const routes = form.rules.map(ruleToRoute);
  const split = weightsToBackends(form.split);
  if (split !== undefined || Object.keys(form.splitExtra).length > 0) {
    routes.push({ ...form.splitExtra, ...(split === undefined ? {} : { backends: split }) });
  }
  if (routes.length > 0) draft.routes = routes;
  return draft;
}

function ruleToRoute(rule: RuleForm): Record<string, unknown> {
  const match: Record<string, unknown> = {};
  if (rule.pathKind !== "") match.path = { [rule.pathKind]: rule.path.trim() };
  if (rule.methods.length > 0) match.methods = [...rule.methods];
  if (rule.headers.length > 0) {
    match.headers = rule.headers.map((h) =>
      h.kind === "present" ? { name: h.name.trim(), present: h.value !== "false" } : { name: h.name.trim(), [h.kind]: h.value },
    );
  }
  const backends = weightsToBackends(rule.weights);
  return { ...rule.extra, match, ...(backends === undefined ? {} : { backends }) };
}

function weightsToBackends(weights: Record<string, string>): Array<{ version: string; weight: unknown }> | undefined {
  const set = Object.entries(weights).filter(([, w]) => w.trim() !== "");
  return set.length === 0 ? undefined : set.map(([version, w]) => ({ version, weight: toNumber(w.trim()) }));
}

function textToValue(f: FieldDef, text: string): unknown {
  switch (f.kind) {
    case "int":
    case "number":
      return toNumber(text);
    case "bool":
      return text === "true" ? true : text === "false" ? false : text;
    case "int-list":
      return splitList(text).map(toNumber);
    case "enum-list":
      return splitList(text);
    default:
      return text;
  }
}

const NUMERIC = /^-?\d+(\.\d+)?$/;
const toNumber = (text: string): unknown => (NUMERIC.test(text) ? Number(text) : text);
const splitList = (text: string): string[] => text.split(",").map((s) => s.trim()).filter((s) => s !== "");

// ---- edits and display helpers

/** Each version's share of the total weight, in percent (0 when nothing is set). */
export function weightPercents(weights: Record<string, string>): Record<string, number> {
  const numbers = Object.fromEntries(Object.entries(weights).map(([v, w]) => [v, NUMERIC.test(w.trim()) ? Number(w) : 0]));
  const total = Object.values(numbers).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries(numbers).map(([v, w]) => [v, total === 0 ? 0 : (w / total) * 100]));
}

export function emptyRule(versions: readonly string[]): RuleForm {
  return { pathKind: "prefix", path: "", methods: [], headers: [], weights: weightsToForm(undefined, versions), extra: {} };
}

/** Moves item `from` by `delta` places (clamped); returns a new array. */
export function move<T>(items: readonly T[], from: number, delta: number): T[] {
  const to = Math.max(0, Math.min(items.length - 1, from + delta));
  const out = [...items];
  const [item] = out.splice(from, 1);
  out.splice(to, 0, item!);
  return out;
}

/** Where in the spec a form part lives, to place validation issues beside it. */
export const rulePath = (index: number) => `routes.${index}`;
export const splitPath = (form: PolicyForm) => `routes.${form.rules.length}`;

function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let cur = obj;
  for (const key of keys.slice(0, -1)) {
    const next = cur[key];
    if (next === null || typeof next !== "object") cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys.at(-1)!] = value;
}
