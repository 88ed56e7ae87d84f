// The one error body every Trellis HTTP API answers with.
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
