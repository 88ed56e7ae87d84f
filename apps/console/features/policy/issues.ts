// Placing validation issues beside the form parts they concern, by dotted spec path.
import type { FieldIssue } from "@trellis/mesh-model";

/** Issues at `path` or below it. */
export function issuesUnder(issues: readonly FieldIssue[], path: string): FieldIssue[] {
  return issues.filter((i) => i.path === path || i.path.startsWith(`${path}.`));
}

/** The server reports PUT body issues under "spec."; the form's paths start at the spec. */
export function specRelative(path: string | undefined): string {
  if (path === undefined) return "";
  return path.startsWith("spec.") ? path.slice(5) : path === "spec" ? "" : path;
}
