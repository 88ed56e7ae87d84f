// Each scenario prints one JSON line, event "scenario-summary", with the figures of its run (scale,
// rates, durations, counts), before its assertions so a failing run is on record too; the table of
// the long run in docs/resilience.md is filled from these lines (grep scenario-summary).
import type { LoadResult } from "../support/load";
import { SCALE } from "./scale";

export interface ScenarioSummary {
  scenario: number;
  name: string;
  /** Target and achieved rates, per second. */
  rates: Record<string, number>;
  /** Durations in seconds. */
  durationsS: Record<string, number>;
  counts: Record<string, number>;
}

export function printSummary(s: ScenarioSummary): void {
  console.log(JSON.stringify({ event: "scenario-summary", time: new Date().toISOString(), scale: SCALE, ...s }));
}

/** The figures of one load run, under a prefix: target and achieved rate, sending time, sent, failed. */
export function loadFigures(prefix: string, r: LoadResult): Pick<ScenarioSummary, "rates" | "durationsS" | "counts"> {
  return {
    rates: { [`${prefix}Target`]: r.target, [`${prefix}Sent`]: round(r.achievedRate) },
    durationsS: { [prefix]: round(r.sendingMs / 1000) },
    counts: { [`${prefix}Sent`]: r.sent, [`${prefix}Failed`]: r.failures.length },
  };
}

/** Merges the figures of several load runs (and any others) into one summary's fields. */
export function mergeFigures(...parts: Partial<Pick<ScenarioSummary, "rates" | "durationsS" | "counts">>[]): Pick<ScenarioSummary, "rates" | "durationsS" | "counts"> {
  return {
    rates: Object.assign({}, ...parts.map((p) => p.rates ?? {})),
    durationsS: Object.assign({}, ...parts.map((p) => p.durationsS ?? {})),
    counts: Object.assign({}, ...parts.map((p) => p.counts ?? {})),
  };
}

const round = (n: number) => Math.round(n * 10) / 10;
