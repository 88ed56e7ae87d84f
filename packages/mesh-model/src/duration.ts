// Human durations ("250ms", "2s", "1m30s") as operators write them, and their parse to milliseconds.
import { z } from "zod";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WHOLE = /^(\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Parses "1m30s" to 90000. Returns undefined for anything that is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * UNIT_MS[unit!]!;
  return Math.round(total);
}

/** Formats milliseconds the way an operator would write them: 1500 -> "1.5s", 90000 -> "1m30s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(3)}s`;
  const minutes = Math.floor(ms / 60_000);
  const rest = ms - minutes * 60_000;
  return rest === 0 ? `${minutes}m` : `${minutes}m${formatDuration(rest)}`;
}

/** A duration string in a spec, e.g. "2s"; bounded to a day so that typos like "2000m" stand out. */
export const ZDuration = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, { message: 'must be a duration such as "250ms", "2s" or "1m30s"' })
  .refine((s) => (parseDuration(s) ?? 0) <= 86_400_000, { message: "must be at most 24h" });
export type Duration = z.infer<typeof ZDuration>;
