// Injected misbehaviour, so the demo mesh has errors and slow calls to show: each service has its
// own defaults (catalog 500s now and then, ratings 503s ~5%, reviews v2 is sometimes slow), every
// rate can be overridden, and --fault-scale 0 turns all of it off for tests.
import type { DemoConfig } from "./config";

export interface FaultPlan {
  errorRate: number;
  errorStatus: number;
  delayRate: number;
  delayMinMs: number;
  delayMaxMs: number;
}

export type FaultDecision = { delayMs: number; failWith: number | undefined };

interface Defaults {
  errorRate: number;
  errorStatus: number;
  delayRate: number;
}

function defaultsFor(service: DemoConfig["service"], version: string): Defaults {
  switch (service) {
    case "catalog":
      return { errorRate: 0.02, errorStatus: 500, delayRate: 0 };
    case "ratings":
      return { errorRate: 0.05, errorStatus: 503, delayRate: 0 };
    case "reviews":
      return { errorRate: 0, errorStatus: 500, delayRate: version === "v2" ? 0.25 : 0 };
    default:
      return { errorRate: 0, errorStatus: 500, delayRate: 0 };
  }
}

export function faultPlan(config: DemoConfig): FaultPlan {
  const d = defaultsFor(config.service, config.version);
  const scaled = (rate: number) => Math.min(1, rate * config.faultScale);
  return {
    errorRate: scaled(config.errorRate ?? d.errorRate),
    errorStatus: config.errorStatus ?? d.errorStatus,
    delayRate: scaled(config.delayRate ?? d.delayRate),
    delayMinMs: config.delay.minMs,
    delayMaxMs: config.delay.maxMs,
  };
}

/** `random` returns values in [0, 1); injected so tests can decide the dice. */
export function decideFault(plan: FaultPlan, random: () => number = Math.random): FaultDecision {
  const delayed = random() < plan.delayRate;
  const delayMs = delayed ? Math.round(plan.delayMinMs + random() * (plan.delayMaxMs - plan.delayMinMs)) : 0;
  const failWith = random() < plan.errorRate ? plan.errorStatus : undefined;
  return { delayMs, failWith };
}
