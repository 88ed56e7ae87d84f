// A structural diff of two JSON values (two specs, two bundles): what the console shows as "diff
// between revisions". Arrays compare by position, as the dotted paths index them.

export type JsonDiffKind = "added" | "removed" | "changed";

/** One difference; `before`/`after` are the values at `path` (shared with the inputs, not copies). */
export interface JsonDiffEntry {
  /** Dotted, like ApiError paths: "routes.0.backends.1.weight"; "" for the whole value. */
  path: string;
  kind: JsonDiffKind;
  before?: unknown;
  after?: unknown;
}

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Every difference between `before` and `after`, in document order (`before`'s key order, then
 * keys only `after` has). A key whose value is undefined counts as absent, as in JSON. When a
 * value changes kind (object, array, scalar) the entry carries both whole values.
 */
export function diffJson(before: unknown, after: unknown): JsonDiffEntry[] {
  const out: JsonDiffEntry[] = [];
  walk(before, after, [], out);
  return out;
}

function walk(before: unknown, after: unknown, path: string[], out: JsonDiffEntry[]): void {
  if (before === after) return;
  const at = path.join(".");
  if (before === undefined) {
    out.push({ path: at, kind: "added", after });
  } else if (after === undefined) {
    out.push({ path: at, kind: "removed", before });
  } else if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    for (let i = 0; i < length; i++) walk(before[i], after[i], [...path, String(i)], out);
  } else if (isObject(before) && isObject(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !Object.hasOwn(before, k))];
    for (const k of keys) walk(before[k], after[k], [...path, k], out);
  } else {
    out.push({ path: at, kind: "changed", before, after });
  }
}
