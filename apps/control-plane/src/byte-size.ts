// Byte sizes as operators write them in flags: "4MiB", "64KiB", "2MB" or plain bytes.

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
