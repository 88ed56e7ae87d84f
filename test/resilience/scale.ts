// The size of the resilience scenarios: TRELLIS_RESILIENCE_SCALE (default 1, the CI size) multiplies
// every scenario's duration, and its rates up to a cap of 2x — a 2-core machine cannot send or carry
// ten times the CI rates, and a scenario that cannot send its load fails rather than pass quietly.
// Below 1 (e.g. 0.3) makes a smoke run on a machine busy with other work. Also: the seed of the
// scenarios that draw random moments.
const raw = Number(process.env.TRELLIS_RESILIENCE_SCALE ?? "1");
export const SCALE = Number.isFinite(raw) && raw > 0 ? raw : 1;
export const RATE_FACTOR = Math.min(SCALE, 2);

/** A duration in ms at this scale. */
export const scaledMs = (ms: number): number => Math.round(ms * SCALE);
/** A rate in requests per second at this scale. */
export const scaledRate = (perSecond: number): number => Math.round(perSecond * RATE_FACTOR);

const seedRaw = Number(process.env.TRELLIS_RESILIENCE_SEED);
/** TRELLIS_RESILIENCE_SEED replays a run's random choices (each scenario that draws any prints its seed). */
export const SEED = Number.isInteger(seedRaw) ? seedRaw : Math.floor(Math.random() * 1_000_000);

/** A small deterministic PRNG in [0, 1), seeded (shared with the other apps' tests). */
export { seededRandom as prng } from "@trellis/mesh-model/fixtures";
