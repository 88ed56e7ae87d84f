// Parsers for the human-written values of flags: spans of time ("15s", "7d") and byte sizes ("4MiB").
// mesh-model's parseDuration stops at hours; retention is naturally written in days.

const SPAN_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SPAN_WHOLE = /^(\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const SPAN_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** "1h30m" -> 5_400_000; undefined when the text is not a span. */
export function parseSpan(text: string): number | undefined {
  if (!SPAN_WHOLE.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(SPAN_PART)) total += Number(amount) * SPAN_UNIT_MS[unit!]!;
  return Math.round(total);
}

const SIZE_UNIT: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};
const SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** "4MiB" -> 4194304, "1000" -> 1000, "1.5kb" -> 1500; undefined when the text is not a size. */
export function parseByteSize(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase();
  const factor = unit === "" ? 1 : SIZE_UNIT[unit];
  if (factor === undefined) return undefined;
  const bytes = Math.floor(Number(m[1]) * factor);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
