// A failed zod parse as one problem: the path of its first issue (for the `path` of error bodies) and
// a message that lists every issue with its path, through mesh-model's shared flattening.
import { flattenZodIssues, formatFieldIssues } from "@trellis/mesh-model";
import type { z } from "zod";

export interface ZodProblem {
  /** Dotted path of the first issue, "" for the value itself. */
  path: string;
  /** "a.b: msg; c: msg" (bounded). */
  message: string;
}

export function zodProblem(error: z.ZodError): ZodProblem {
  const issues = flattenZodIssues(error.issues);
  return { path: issues[0]?.path ?? "", message: formatFieldIssues(issues) };
}
