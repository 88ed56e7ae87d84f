// Least-request and peak-EWMA: draw `choiceCount` candidates in proportion to endpoint weight and
// take the one with the lowest score (queue depth, or latency estimate × queue). O(choiceCount) per
// pick. On a retry the previous endpoint is passed as `avoid` and loses to any other candidate.
import type { Clock, Random } from "../time/clock";
import { AliasTable } from "./alias-table";
import type { Balancer, EndpointTarget } from "./balancer";
import type { EndpointLoad } from "./endpoint-load";

export type LoadScore = (load: EndpointLoad, now: number) => number;

export const leastRequestScore: LoadScore = (load) => load.pending;
export const peakEwmaScore: LoadScore = (load, now) => load.cost(now);

export interface PickExplanation {
  candidates: Array<{ instanceId: string; address: string; score: number }>;
  chosen: string;
  avoided?: string;
}

export interface PowerOfChoicesOptions {
  choiceCount: number;
  score: LoadScore;
  random: Random;
  clock: Clock;
  /** Called with every pick's candidates and scores; only set when debug logging is on. */
  explain?: (e: PickExplanation) => void;
}

export class PowerOfChoicesBalancer implements Balancer {
  readonly size: number;
  private readonly targets: readonly EndpointTarget[];
  private readonly table: AliasTable;

  constructor(targets: readonly EndpointTarget[], private readonly o: PowerOfChoicesOptions) {
    this.targets = targets.filter((t) => t.weight > 0);
    this.size = this.targets.length;
    this.table = new AliasTable(this.targets.map((t) => t.weight));
  }

  pick(avoid?: EndpointTarget): EndpointTarget | undefined {
    const n = this.size;
    if (n <= 1) return this.targets[0];
    const { score, random, explain } = this.o;
    const now = this.o.clock.now();
    // Few endpoints: look at all of them rather than sampling with repeats.
    const all = n <= this.o.choiceCount;
    const draws = all ? n : this.o.choiceCount;
    let best: EndpointTarget | undefined;
    let bestScore = Infinity;
    const seen = explain ? ([] as PickExplanation["candidates"]) : undefined;
    // Looking at every endpoint, a tie goes to the first one scanned: the scan starts at a weighted draw
    // so that idle endpoints share traffic by weight rather than the first one taking it all.
    const offset = all ? this.table.sample(random) : 0;
    let index = 0;
    for (let i = 0; i < draws; i++) {
      index = all ? (offset + i) % n : this.table.sample(random);
      const t = this.targets[index]!;
      const s = score(t.load, now);
      seen?.push({ instanceId: t.instanceId, address: t.address, score: s });
      if (t === avoid) continue;
      if (s < bestScore) {
        best = t;
        bestScore = s;
      }
    }
    // Every draw was the endpoint to avoid: its neighbour, so a retry still goes elsewhere.
    if (!best) best = this.targets[(index + 1) % n]!;
    if (explain && seen) explain({ candidates: seen, chosen: best.instanceId, ...(avoid ? { avoided: avoid.instanceId } : {}) });
    return best;
  }
}
