// How numbers read in the console: rates, shares, latencies and ages, short and unit-bearing.

const EM_DASH = "—";

/** Requests per second: "0 rps", "0.42 rps", "12.3 rps", "1.2k rps". */
export function formatRate(rps: number): string {
  if (!Number.isFinite(rps) || rps <= 0) return "0 rps";
  if (rps < 0.01) return "<0.01 rps";
  if (rps < 10) return `${trim(rps.toFixed(2))} rps`;
  if (rps < 1000) return `${trim(rps.toFixed(1))} rps`;
  return `${trim((rps / 1000).toFixed(1))}k rps`;
}

/** A 0..1 share as a percentage: "0%", "0.12%", "12.3%", "100%". */
export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) return EM_DASH;
  const pct = share * 100;
  if (pct === 0) return "0%";
  if (pct < 0.01) return "<0.01%";
  if (pct < 1) return `${trim(pct.toFixed(2))}%`;
  if (pct >= 99.95 && pct < 100) return "99.9%";
  return `${trim(pct.toFixed(1))}%`;
}

/** Milliseconds: "0.8 ms", "42 ms", "1.25 s"; null (no traffic) is a dash. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return EM_DASH;
  if (ms < 10) return `${trim(ms.toFixed(1))} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${trim((ms / 1000).toFixed(2))} s`;
}

/** Elapsed time since an ISO instant: "just now", "12s ago", "3m ago", "2h ago", "4d ago". */
export function formatAge(iso: string, nowMs: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return EM_DASH;
  const seconds = Math.round((nowMs - then) / 1000);
  if (seconds < 0) return "in the future";
  if (seconds < 2) return "just now";
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

/** Wall-clock time of an ISO instant, for "as of 14:02:11". */
export function formatClock(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return EM_DASH;
  return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return EM_DASH;
  if (n < 10_000) return String(Math.round(n));
  if (n < 1_000_000) return `${trim((n / 1000).toFixed(1))}k`;
  return `${trim((n / 1_000_000).toFixed(1))}M`;
}

function trim(fixed: string): string {
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}
