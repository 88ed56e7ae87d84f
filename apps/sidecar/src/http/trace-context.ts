// W3C Trace Context: the sidecar propagates `traceparent` untouched and starts a trace when a
// request arrives without a valid one, so every request in the mesh can be correlated.
import { randomFillSync } from "node:crypto";

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

export function isValidTraceparent(value: string): boolean {
  const m = TRACEPARENT.exec(value);
  if (!m) return false;
  const [, version, traceId, spanId, , rest] = m;
  if (version === "ff" || traceId === ZERO_TRACE || spanId === ZERO_SPAN) return false;
  // Version 00 has exactly four fields; later versions may append more.
  return version !== "00" || rest === undefined;
}

// Random bytes are drawn from the kernel 4 KiB at a time: one randomBytes(24) per request cost a
// syscall and a Buffer each (a few % of the sidecar's CPU per request).
const POOL = Buffer.alloc(24 * 170);
let poolOffset = POOL.length;

/** A new sampled root: random 16-byte trace id and 8-byte parent id. */
export function newTraceparent(): string {
  if (poolOffset + 24 > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const hex = POOL.toString("hex", poolOffset, poolOffset + 24);
  poolOffset += 24;
  return `00-${hex.slice(0, 32)}-${hex.slice(32)}-01`;
}
