// The one error body every Trellis HTTP API answers with, and the conversion of validation issues
// (zod's and validatePolicy's) into it, each issue named by the dotted path of the bad field.
import { z } from "zod";

export const ZApiError = z.strictObject({
  error: z.strictObject({
    /** Stable machine-readable code, e.g. "invalid_body", "unknown_instance". */
    code: z.string(),
    message: z.string(),
    /** Dotted path of the offending field, when there is one (e.g. "routes.0.backends.1.weight"). */
    path: z.string().optional(),
  }),
});
export type ApiError = z.infer<typeof ZApiError>;

/** Turns a zod issue path into the dotted form used in error bodies: ["routes", 0, "name"] -> "routes.0.name". */
export function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => String(p)).join(".");
}

/** One problem with one field: `path` is dotted ("" for the whole value), `code` is stable and machine-readable. */
export interface FieldIssue {
  path: string;
  code: string;
  message: string;
}

/**
 * Flattens zod issues into FieldIssues with the most precise path available: an unknown key is
 * reported at its own path, and a failed union descends into the one branch the input was
 * evidently meant for (the only one without unknown keys, or the one with fewest problems).
 */
export function flattenZodIssues(issues: ReadonlyArray<z.core.$ZodIssue>, base: ReadonlyArray<PropertyKey> = []): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ path: issuePath([...path, key]), code: issue.code, message: `unknown field "${key}"` });
    } else if (issue.code === "invalid_union") {
      const branch = likelyBranch(issue.errors);
      if (branch) out.push(...flattenZodIssues(branch, path));
      else out.push({ path: issuePath(path), code: issue.code, message: describeUnion(issue.errors) });
    } else {
      out.push({ path: issuePath(path), code: issue.code, message: issue.message });
    }
  }
  return out;
}

function likelyBranch(branches: ReadonlyArray<ReadonlyArray<z.core.$ZodIssue>>): ReadonlyArray<z.core.$ZodIssue> | undefined {
  const withoutUnknownKeys = branches.filter((b) => !b.some((i) => i.code === "unrecognized_keys"));
  const candidates = withoutUnknownKeys.length > 0 ? withoutUnknownKeys : branches;
  const fewest = Math.min(...candidates.map((b) => b.length));
  const best = candidates.filter((b) => b.length === fewest);
  return best.length === 1 && fewest > 0 ? best[0] : undefined;
}

function describeUnion(branches: ReadonlyArray<ReadonlyArray<z.core.$ZodIssue>>): string {
  if (branches.length === 0) return "matches more than one of the allowed forms";
  const forms = branches.map((b) => flattenZodIssues(b).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join(", "));
  return `matches none of the allowed forms (${forms.join(" | ")})`;
}

const MAX_LISTED = 20;

/** "routes.0.name: Too big ...; service: must be a DNS label" — every issue with its path, bounded. */
export function formatFieldIssues(issues: ReadonlyArray<FieldIssue>): string {
  const listed = issues.slice(0, MAX_LISTED).map((i) => `${i.path === "" ? "(root)" : i.path}: ${i.message}`);
  if (issues.length > MAX_LISTED) listed.push(`and ${issues.length - MAX_LISTED} more`);
  return listed.join("; ");
}

/** The ApiError body for a list of issues: `path` is the first issue's, the message lists them all. */
export function fieldIssuesToApiError(issues: ReadonlyArray<FieldIssue>, code = "invalid_body"): ApiError {
  const first = issues[0];
  const message = issues.length === 0 ? "invalid input" : formatFieldIssues(issues);
  return { error: first && first.path !== "" ? { code, message, path: first.path } : { code, message } };
}

/** The ApiError body for a failed zod parse, e.g. of a request body. */
export function zodIssuesToApiError(error: z.ZodError, code = "invalid_body"): ApiError {
  return fieldIssuesToApiError(flattenZodIssues(error.issues), code);
}
