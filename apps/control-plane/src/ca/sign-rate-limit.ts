// Token buckets for certificate signing: one per join token, one for the whole CA, so neither a
// leaked token nor many of them can turn the CA into a CPU sink.

export interface RateLimit {
  /** Requests per second, sustained. */
  perSecond: number;
  /** Requests allowed at once after a quiet period. */
  burst: number;
}

class Bucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly limit: RateLimit,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.at = now;
  }

  /** 0 when taken, else the seconds until one is free. */
  take(now: number): number {
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.at) / 1000) * this.limit.perSecond);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.limit.perSecond));
  }
}

export class SignRateLimiter {
  private readonly perKey = new Map<string, Bucket>();
  private readonly global: Bucket;

  constructor(
    private readonly perToken: RateLimit,
    global: RateLimit,
    private readonly now: () => number = Date.now,
  ) {
    this.global = new Bucket(global, now());
  }

  /** 0 when the request may go ahead, else the seconds to wait. */
  take(key: string): number {
    const now = this.now();
    let bucket = this.perKey.get(key);
    if (!bucket) {
      // Bounded: one entry per join token in use; forget them all rather than grow without end.
      if (this.perKey.size >= 10_000) this.perKey.clear();
      bucket = new Bucket(this.perToken, now);
      this.perKey.set(key, bucket);
    }
    return bucket.take(now) || this.global.take(now);
  }
}
