// The size of the resilience scenarios: TRELLIS_RESILIENCE_SCALE (default 1, the CI size) multiplies
// every scenario's duration, and its rates up to a cap of 2x — a 2-core machine cannot send or carry
// ten times the CI rates, and a scenario that cannot send its load fails rather than pass quietly.
// Below 1 (e.g. 0.3) makes a smoke run on a machine busy with other work.
const raw = Number(process.env.TRELLIS_RESILIENCE_SCALE ?? "1");
export const SCALE = Number.isFinite(raw) && raw > 0 ? raw : 1;
export const RATE_FACTOR = Math.min(SCALE, 2);

/** A duration in ms at this scale. */
export const scaledMs = (ms: number): number => Math.round(ms * SCALE);
/** A rate in requests per second at this scale. */
export const scaledRate = (perSecond: number): number => Math.round(perSecond * RATE_FACTOR);
