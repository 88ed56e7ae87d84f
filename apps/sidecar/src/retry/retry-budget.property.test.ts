// Properties of the retry budget: a granted retry never takes the retries in progress above
// max(minConcurrent, ⌊percent % × active⌋), a refusal happens only at that limit, and nothing leaks.
// First against a model of requests starting, retrying and finishing; then through the real retry
// layer, with concurrent requests failing against a scripted upstream on the manual clock.
import { describe, it } from "node:test";
import fc from "fast-check";
import { retryLayer } from "../layers/retry";
import { routeLayer } from "../layers/route";
import type { ProxyResponse } from "../http/proxy-types";
import { compose } from "../stack";
import { buildSnapshot } from "../snapshot/snapshot";
import { makeBundle } from "../testing/bundles";
import { proxyRequest } from "../testing/requests";
import { ManualClock, seededRandom } from "../time/manual-clock";
import { RetryBudget, RetryBudgets } from "./retry-budget";

const budgetPolicy = fc.record({ percent: fc.integer({ min: 0, max: 100 }), minConcurrent: fc.integer({ min: 0, max: 5 }) });

/**
 * A granted retry must leave the count within the limit; a refused one must have been at it.
 * Violations are collected (not thrown inside the retry layer) and checked by the property.
 */
function watch(budget: RetryBudget, percent: number, minConcurrent: number): string[] {
  const violations: string[] = [];
  const acquire = budget.tryAcquire.bind(budget);
  budget.tryAcquire = (p, m) => {
    const before = budget.retrying;
    const limit = Math.max(minConcurrent, Math.floor((percent * budget.active) / 100));
    const granted = acquire(p, m);
    if (granted && budget.retrying > limit) violations.push(`granted a retry: ${budget.retrying} in progress > limit ${limit} (active ${budget.active})`);
    if (!granted && before < limit) violations.push(`refused a retry with ${before} in progress < limit ${limit} (active ${budget.active})`);
    return granted;
  };
  return violations;
}

type Event = { kind: "start" } | { kind: "retry"; k: number } | { kind: "retry-done"; k: number } | { kind: "finish"; k: number };
const event: fc.Arbitrary<Event> = fc.oneof(
  fc.constant<Event>({ kind: "start" }),
  fc.nat(30).map((k): Event => ({ kind: "retry", k })),
  fc.nat(30).map((k): Event => ({ kind: "retry-done", k })),
  fc.nat(30).map((k): Event => ({ kind: "finish", k })),
);

describe("retry budget (property)", () => {
  it("under generated start / retry / finish sequences, never grants past the limit nor refuses below it", () => {
    fc.assert(
      fc.property(budgetPolicy, fc.array(event, { maxLength: 200 }), ({ percent, minConcurrent }, events) => {
        const budget = new RetryBudget();
        const violations = watch(budget, percent, minConcurrent);
        // The model: live requests, and whether each holds a retry in progress.
        const live: Array<{ holding: boolean }> = [];
        for (const e of events) {
          const r = e.kind === "start" ? undefined : live[e.k % Math.max(1, live.length)];
          if (e.kind === "start") {
            live.push({ holding: false });
            budget.active++;
          } else if (!r) continue;
          else if (e.kind === "retry" && !r.holding) r.holding = budget.tryAcquire(percent, minConcurrent);
          else if (e.kind === "retry-done" && r.holding) {
            r.holding = false;
            budget.release();
          } else if (e.kind === "finish") {
            if (r.holding) budget.release();
            live.splice(live.indexOf(r), 1);
            budget.active--;
          }
          const holding = live.filter((x) => x.holding).length;
          if (budget.retrying !== holding || budget.active !== live.length) throw new Error(`accounting: retrying ${budget.retrying} vs ${holding}, active ${budget.active} vs ${live.length}`);
        }
        if (violations.length) throw new Error(violations[0]);
      }),
      { numRuns: 500 },
    );
  });

  it("holds through the retry layer: concurrent failing requests on the manual clock, no leak afterwards", async () => {
    await fc.assert(
      fc.asyncProperty(
        budgetPolicy,
        fc.integer({ min: 2, max: 4 }),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 200 }), latency: fc.integer({ min: 1, max: 100 }), fails: fc.boolean() }), { minLength: 1, maxLength: 30 }),
        fc.nat(),
        async ({ percent, minConcurrent }, attempts, requests, seed) => {
          const clock = new ManualClock();
          const budgets = new RetryBudgets();
          const budget = budgets.of("catalog");
          const violations = watch(budget, percent, minConcurrent);
          const snapshot = buildSnapshot(
            makeBundle(1, [{ service: "catalog", endpoints: [{ port: 1 }], spec: { retry: { attempts, retryOn: ["5xx"], backoff: { base: "10ms", max: "50ms" }, budget: { percent, minConcurrent } } } }]),
            "control-plane",
          );
          let tries = 0;
          // Every try answers after its request's latency: 503 when that request fails, else 200.
          const stack = compose([routeLayer(), retryLayer({ clock, random: seededRandom(seed), budgets })], (req) => {
            tries++;
            const r = requests[Number(req.ctx.requestId)]!;
            return new Promise<ProxyResponse>((resolve) => clock.setTimeout(() => resolve({ status: r.fails ? 503 : 200, headers: {}, body: null }), r.latency));
          });
          const done: Array<Promise<ProxyResponse>> = [];
          requests.forEach((r, i) => clock.setTimeout(() => void done.push(stack(proxyRequest({ snapshot, ctx: { requestId: String(i) } }))), r.at));
          while (done.length < requests.length || clock.pending > 0) await clock.advance(10);
          await Promise.all(done);
          if (violations.length) throw new Error(violations[0]);
          if (budget.retrying !== 0 || budget.active !== 0) throw new Error(`leaked: retrying ${budget.retrying}, active ${budget.active}`);
          if (tries > requests.length * attempts) throw new Error(`${tries} tries for ${requests.length} requests of ${attempts} attempts`);
        },
      ),
      { numRuns: 100 },
    );
  });
});
