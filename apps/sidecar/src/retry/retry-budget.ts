// Envoy's retry budget, per destination: retries in progress (waiting out their backoff or in
// flight) may be at most `percent` of the destination's active requests, but `minConcurrent` are
// always allowed. When every endpoint fails this caps the extra load retries add.

export class RetryBudget {
  /** Requests to the destination in progress, first try or not. */
  active = 0;
  /** Retries in progress. */
  retrying = 0;
  /** Retries refused because the budget was spent. */
  exhausted = 0;

  tryAcquire(percent: number, minConcurrent: number): boolean {
    if (this.retrying < RetryBudget.limit(percent, minConcurrent, this.active)) {
      this.retrying++;
      return true;
    }
    this.exhausted++;
    return false;
  }

  release(): void {
    this.retrying--;
  }

  /**
   * Retries that may be in progress: max(minConcurrent, ⌊percent % of active⌋), as Envoy computes it
   * (an integer), so that a granted retry never takes the count above it.
   */
  static limit(percent: number, minConcurrent: number, active: number): number {
    return Math.max(minConcurrent, Math.floor((percent * active) / 100));
  }
}

/** One budget per destination service, for the sidecar's lifetime (bundles come and go). */
export class RetryBudgets {
  private readonly byService = new Map<string, RetryBudget>();

  of(service: string): RetryBudget {
    let b = this.byService.get(service);
    if (!b) {
      b = new RetryBudget();
      this.byService.set(service, b);
    }
    return b;
  }

  /** Refused retries per destination, for /stats. */
  exhausted(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, b] of this.byService) if (b.exhausted > 0) out[name] = b.exhausted;
    return out;
  }
}
