// Counts failed logins per username and per client address in a sliding window; past the limit a
// login is refused with 429 before the password is even checked. In memory, bounded: a control
// plane restart forgets the counts (documented in docs/security.md).

export interface LoginLimits {
  windowMs: number;
  /** Failures per username within the window. */
  perUsername: number;
  /** Failures per client address within the window (the console proxy is one address). */
  perAddress: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { windowMs: 60_000, perUsername: 5, perAddress: 20 };
const MAX_KEYS = 10_000;

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait when a limit is reached, else 0. */
  retryAfterSeconds(username: string, address: string): number {
    const waits = [this.wait(`u:${username}`, this.limits.perUsername), this.wait(`a:${address}`, this.limits.perAddress)];
    return Math.max(...waits);
  }

  recordFailure(username: string, address: string): void {
    if (this.failures.size >= MAX_KEYS) this.prune();
    for (const key of [`u:${username}`, `a:${address}`]) {
      const list = this.recent(key);
      list.push(this.now());
      this.failures.set(key, list);
    }
  }

  /** A successful login clears the username's failures (not the address's). */
  recordSuccess(username: string): void {
    this.failures.delete(`u:${username}`);
  }

  private recent(key: string): number[] {
    const since = this.now() - this.limits.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > since);
  }

  private wait(key: string, limit: number): number {
    const list = this.recent(key);
    if (list.length < limit) return 0;
    const oldestThatCounts = list[list.length - limit]!;
    return Math.max(1, Math.ceil((oldestThatCounts + this.limits.windowMs - this.now()) / 1000));
  }

  private prune(): void {
    for (const key of [...this.failures.keys()]) {
      if (this.recent(key).length === 0) this.failures.delete(key);
    }
    // Still full (an attack with many names): forget the oldest entries rather than grow.
    for (const key of this.failures.keys()) {
      if (this.failures.size < MAX_KEYS) break;
      this.failures.delete(key);
    }
  }
}
