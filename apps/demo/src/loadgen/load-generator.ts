// Open-loop traffic: one request every 1/rate seconds counted from the start (so it does not drift),
// never more than maxInFlight at once (ticks past that count as dropped), stopped cleanly on demand.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The status the target answered, or undefined when there was no answer at all. */
export type Send = () => Promise<number | undefined>;

export interface LoadStats {
  sent: number;
  ok: number;
  failed: number;
  dropped: number;
  inFlight: number;
  byStatus: Record<string, number>;
}

export interface LoadGenerator {
  stats(): LoadStats;
  /** Stops sending and waits (up to graceMs) for the requests in flight. */
  stop(graceMs?: number): Promise<LoadStats>;
}

/** Falling further behind than this (a stalled event loop) skips ticks instead of bursting. */
const MAX_LAG_MS = 1_000;

export function startLoad(opts: { rate: number; maxInFlight: number; send: Send; clock?: Clock }): LoadGenerator {
  const clock = opts.clock ?? realClock;
  const interval = 1000 / opts.rate;
  const s: LoadStats = { sent: 0, ok: 0, failed: 0, dropped: 0, inFlight: 0, byStatus: {} };
  const idle: Array<() => void> = [];
  let stopped = false;
  let timer: unknown;
  let start = clock.now();
  let ticks = 0;

  const settle = (status: number | undefined) => {
    const key = status === undefined ? "none" : String(status);
    s.byStatus[key] = (s.byStatus[key] ?? 0) + 1;
    if (status !== undefined && status < 500) s.ok++;
    else s.failed++;
    s.inFlight--;
    if (s.inFlight === 0) idle.splice(0).forEach((wake) => wake());
  };

  const fire = () => {
    if (s.inFlight >= opts.maxInFlight) {
      s.dropped++;
      return;
    }
    s.inFlight++;
    s.sent++;
    opts.send().then(settle, () => settle(undefined));
  };

  const tick = () => {
    if (stopped) return;
    fire();
    ticks++;
    const now = clock.now();
    let due = start + ticks * interval;
    if (now - due > MAX_LAG_MS) {
      start = now;
      ticks = 1;
      due = now + interval;
    }
    timer = clock.setTimeout(tick, Math.max(0, due - now));
  };
  timer = clock.setTimeout(tick, 0);

  return {
    stats: () => ({ ...s, byStatus: { ...s.byStatus } }),
    stop: async (graceMs = 5_000) => {
      stopped = true;
      clock.clearTimeout(timer);
      if (s.inFlight > 0) {
        await new Promise<void>((resolve) => {
          idle.push(resolve);
          setTimeout(resolve, graceMs).unref();
        });
      }
      return { ...s, byStatus: { ...s.byStatus } };
    },
  };
}
