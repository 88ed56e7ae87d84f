// Properties of every balancer type, over generated weights, seeds and sequences of ejections, health
// changes and time passing on a manual clock: idle picks follow endpoint weights, an unavailable
// endpoint is never picked (outside panic), and a retry avoids the previous endpoint when another exists.
import { describe, it } from "node:test";
import fc from "fast-check";
import { DEFAULTS, type LoadBalancerType } from "@trellis/mesh-model";
import { BreakerGroup } from "../breaker/breaker-group";
import { ManualClock, seededRandom } from "../time/manual-clock";
import { AvailableBalancer } from "./available-balancer";
import { toTarget, type EndpointTarget } from "./balancer";
import { createBalancer } from "./create-balancer";

const TYPES: readonly LoadBalancerType[] = ["round-robin", "least-request", "peak-ewma"];
const weights = fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 6 });

function targetsFor(ws: readonly number[], group?: BreakerGroup): EndpointTarget[] {
  return ws.map((weight, i) => toTarget({ instanceId: `e${i}`, version: "v1", host: "127.0.0.1", port: 20_000 + i, weight, labels: {} }, undefined, group?.member(`e${i}`)));
}

describe("balancers (property)", () => {
  it("round robin picks each endpoint exactly weight times in every window of sum(weights) picks", () => {
    fc.assert(
      fc.property(weights, fc.nat(1_000), (ws, start) => {
        const total = ws.reduce((a, b) => a + b, 0);
        const { balancer } = createBalancer("round-robin", targetsFor(ws), { start });
        for (let window = 0; window < 3; window++) {
          const counts = ws.map(() => 0);
          for (let i = 0; i < total; i++) counts[Number(balancer.pick()!.instanceId.slice(1))]!++;
          if (counts.some((c, i) => c !== ws[i])) throw new Error(`window ${window}: ${JSON.stringify(counts)} for weights ${JSON.stringify(ws)}`);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("least-request and peak-EWMA spread idle picks in proportion to weight (within 4 points)", () => {
    fc.assert(
      fc.property(fc.constantFrom<LoadBalancerType>("least-request", "peak-ewma"), weights, fc.integer({ min: 1, max: 3 }), fc.nat(), (type, ws, choiceCount, seed) => {
        const total = ws.reduce((a, b) => a + b, 0);
        const { balancer } = createBalancer(type, targetsFor(ws), { choiceCount, random: seededRandom(seed), clock: new ManualClock() });
        const n = 4_000;
        const counts = ws.map(() => 0);
        for (let i = 0; i < n; i++) counts[Number(balancer.pick()!.instanceId.slice(1))]!++;
        ws.forEach((w, i) => {
          const share = counts[i]! / n;
          if (Math.abs(share - w / total) > 0.04) throw new Error(`${type}, ${choiceCount} choices: e${i} got ${share}, weight share ${w / total} (${JSON.stringify(counts)})`);
        });
      }),
      { numRuns: 60 },
    );
  });

  // One step of the generated history: eject or restore health of an endpoint, let time pass, or pick (maybe as a retry).
  type Step = { kind: "eject"; i: number } | { kind: "health"; i: number; healthy: boolean } | { kind: "wait"; ms: number } | { kind: "pick"; retry: boolean };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant("eject" as const), i: fc.nat(5) }),
    fc.record({ kind: fc.constant("health" as const), i: fc.nat(5), healthy: fc.boolean() }),
    fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 1, max: 40_000 }) }),
    fc.record({ kind: fc.constant("pick" as const), retry: fc.boolean() }),
    fc.record({ kind: fc.constant("pick" as const), retry: fc.boolean() }),
  );

  it("never picks an ejected or unhealthy endpoint outside panic, and a retry avoids the previous endpoint when another is a candidate", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...TYPES), weights, fc.integer({ min: 0, max: 100 }), fc.nat(), fc.array(step, { maxLength: 60 }), async (type, ws, panicThresholdPercent, seed, steps) => {
        const clock = new ManualClock();
        const config = { ...DEFAULTS.circuitBreaker, maxEjectionPercent: 100, panicThresholdPercent, baseEjectionTimeMs: 30_000 };
        const group = new BreakerGroup("catalog", config, () => clock.now());
        const targets = targetsFor(ws, group);
        group.update(config, targets.map((t) => t.instanceId));
        const random = seededRandom(seed);
        const lb = new AvailableBalancer(targets, group, (sub) => createBalancer(type, sub, { random, clock, choiceCount: 2 }).balancer, clock);
        // The reference model: ejected until a time (then half-open, which takes traffic), healthy or not.
        const ejectedUntil = ws.map(() => 0);
        const healthy = ws.map(() => true);
        let previous: EndpointTarget | undefined;
        for (const s of steps) {
          if (s.kind === "eject" && s.i < ws.length) {
            const b = targets[s.i]!.breaker;
            if (b.state !== "open") {
              group.eject(b, clock.now(), "test", "consecutive_5xx");
              ejectedUntil[s.i] = b.returnsAt;
            }
          } else if (s.kind === "health" && s.i < ws.length) {
            group.setHealthy(targets[s.i]!.breaker, s.healthy);
            healthy[s.i] = s.healthy;
          } else if (s.kind === "wait") {
            await clock.advance(s.ms);
          } else if (s.kind === "pick") {
            const now = clock.now();
            const available = ws.map((_, i) => healthy[i]! && ejectedUntil[i]! <= now);
            const count = available.filter(Boolean).length;
            const panic = count === 0 || (count * 100) / ws.length < panicThresholdPercent;
            const candidates = targets.filter((_, i) => panic || available[i]);
            const avoid = s.retry ? previous : undefined;
            const picked = lb.pick(avoid);
            if (!picked) throw new Error("nothing picked");
            const i = Number(picked.instanceId.slice(1));
            if (!panic && !available[i]) throw new Error(`picked unavailable e${i} at ${now}: available ${JSON.stringify(available)}`);
            if (avoid && picked === avoid && candidates.some((c) => c !== avoid)) throw new Error(`${type}: retry picked the previous endpoint e${i} again among ${candidates.length} candidates`);
            previous = picked;
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
