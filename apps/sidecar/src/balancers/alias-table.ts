// Weighted sampling in O(1) per draw (Vose's alias method), built once per balancer: how the
// power-of-N balancers draw candidates in proportion to endpoint weight without scanning the list.
import type { Random } from "../time/clock";

export class AliasTable {
  readonly size: number;
  private readonly prob: Float64Array;
  private readonly alias: Uint32Array;
  private readonly uniform: boolean;

  constructor(weights: readonly number[]) {
    const n = weights.length;
    this.size = n;
    this.prob = new Float64Array(n);
    this.alias = new Uint32Array(n);
    this.uniform = weights.every((w) => w === weights[0]);
    if (n === 0 || this.uniform) return;
    const total = weights.reduce((a, b) => a + b, 0);
    const scaled = weights.map((w) => (w * n) / total);
    const small: number[] = [];
    const large: number[] = [];
    scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
    while (small.length && large.length) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.prob[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      (scaled[l]! < 1 ? small : large).push(l);
    }
    for (const i of large) this.prob[i] = 1;
    for (const i of small) this.prob[i] = 1;
  }

  /** An index drawn with probability weight / total. */
  sample(random: Random): number {
    const u = random() * this.size;
    const i = Math.min(this.size - 1, Math.floor(u));
    if (this.uniform) return i;
    return u - i < this.prob[i]! ? i : this.alias[i]!;
  }
}
