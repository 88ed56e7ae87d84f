// Idempotent OTLP retries. An exporter whose export was stored but whose 200 never arrived (the control
// plane was killed in between, a proxy dropped the answer) sends the same bytes again. Each metrics export
// is known by the SHA-256 of its decompressed body; the digest is written in the transaction that writes
// the export's cells (RollupRepository.addExports) and kept for DIGEST_WINDOW_MS, so a retry is answered
// 200 without being stored twice — by any replica, also after a restart.
//
// Identical bytes within the window are taken for a retry. Two genuinely different exports are never
// byte-identical: every OTLP data point carries its timeUnixNano (and a cumulative one its start), so two
// exports from one SDK differ unless they report the same points of the same series at the same instant —
// which is the same data, and the OTLP data model treats such points as duplicates anyway.
import { createHash } from "node:crypto";

/** How long an export's digest is remembered: past the retry window of OTLP exporters (the Collector gives up after 5 min). */
export const DIGEST_WINDOW_MS = 15 * 60_000;

/** At most this many digests are remembered in memory (the database remembers all of the window's). */
const MAX_REMEMBERED = 100_000;

/** The digest of an export's decompressed body. */
export function exportDigest(body: Uint8Array): string {
  return createHash("sha256").update(body).digest("base64url");
}

/** Digests of the exports this process stored in the last window: a retry to the same replica is answered without a write. */
export class RecentDigests {
  /** digest -> when it was stored (ms); insertion order is time order. */
  private readonly storedAt = new Map<string, number>();

  has(digest: string, nowMs: number): boolean {
    const at = this.storedAt.get(digest);
    return at !== undefined && nowMs - at < DIGEST_WINDOW_MS;
  }

  add(digest: string, nowMs: number): void {
    this.storedAt.delete(digest);
    this.storedAt.set(digest, nowMs);
    if (this.storedAt.size > MAX_REMEMBERED) this.storedAt.delete(this.storedAt.keys().next().value!);
  }

  prune(nowMs: number): void {
    for (const [digest, at] of this.storedAt) {
      if (nowMs - at < DIGEST_WINDOW_MS) break;
      this.storedAt.delete(digest);
    }
  }
}
