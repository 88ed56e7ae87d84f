// Weighted traffic shifting across versions (canary): a route's `backends` say what share of its
// requests each version gets; within a version, that version's own balancer picks the endpoint.
import { SmoothWeighted } from "./smooth-weighted";
import type { Balancer } from "./balancer";

export interface VersionChoice {
  readonly version: string;
  /** Undefined when the version has no endpoints: its share of traffic fails explicitly. */
  readonly balancer: Balancer | undefined;
}

export class VersionSplit {
  private readonly rr: SmoothWeighted<VersionChoice>;
  readonly size: number;

  constructor(backends: ReadonlyArray<{ version: string; weight: number }>, byVersion: ReadonlyMap<string, Balancer>, start = 0) {
    this.rr = new SmoothWeighted(
      backends.map((b) => ({ item: { version: b.version, balancer: byVersion.get(b.version) }, weight: b.weight })),
      start,
    );
    this.size = this.rr.size;
  }

  /** Undefined only when every backend has weight 0. */
  pick(): VersionChoice | undefined {
    return this.rr.pick();
  }
}
