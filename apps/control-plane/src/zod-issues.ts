// Names the first problem of a failed zod parse by its dotted path, for error bodies and partial-success messages.
import { issuePath } from "@trellis/mesh-model";
import type { z } from "zod";

export interface FirstIssue {
  /** Dotted path, "" for the value itself. */
  path: string;
  message: string;
}

export function firstIssue(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): FirstIssue {
  let issue = error.issues[0];
  // A failed union says only "invalid input"; the branch with fewest problems usually names the real one.
  while (issue && issue.code === "invalid_union" && issue.errors.length > 0) {
    const branch = [...issue.errors].sort((a, b) => a.length - b.length)[0]!;
    if (branch.length === 0) break;
    issue = { ...branch[0]!, path: [...issue.path, ...branch[0]!.path] };
  }
  if (!issue) return { path: issuePath(prefix), message: "invalid value" };
  return { path: issuePath([...prefix, ...issue.path]), message: issue.message };
}

export function describeIssue(issue: FirstIssue): string {
  return issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`;
}
