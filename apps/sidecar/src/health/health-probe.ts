// One active HTTP health check loop: GET the path every interval (±10% jitter, so a fleet of
// sidecars does not check in step), each check bounded by its timeout, a 2xx counting as a pass.
// `healthyThreshold` passes in a row make an unhealthy target healthy, `unhealthyThreshold`
// failures in a row the reverse. Time comes from the injected clock.
import type { CompiledHealthCheck } from "@trellis/mesh-model";
import type { Dispatcher } from "undici";
import type { Clock, Random, TimerHandle } from "../time/clock";

/** Marks the request as a health check, for the callee's logs. */
export const HEADER_HEALTH_CHECK = "x-trellis-health-check";

export interface ProbeDeps {
  dispatcher: Dispatcher;
  clock: Clock;
  random: Random;
}

export class HealthProbe {
  /** Unknown until the thresholds decide; the data path treats unknown as healthy. */
  healthy: boolean | undefined = undefined;
  passes = 0;
  failures = 0;
  lastError: string | null = null;
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    readonly origin: string,
    public config: CompiledHealthCheck,
    private readonly deps: ProbeDeps,
    private readonly onChange: (healthy: boolean) => void,
  ) {}

  /** The first check comes at a random point of the first interval. */
  start(): void {
    this.schedule(this.deps.random() * this.config.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimeout(() => void this.check(), ms);
  }

  async check(): Promise<void> {
    const { clock } = this.deps;
    const ac = new AbortController();
    const timeout = clock.setTimeout(() => ac.abort(new Error(`no answer within ${this.config.timeoutMs} ms`)), this.config.timeoutMs);
    let pass = false;
    try {
      // Read at each check (inside the try): a destination's pool may change, or refuse without a certificate.
      const res = await this.deps.dispatcher.request({ origin: this.origin, path: this.config.path, method: "GET", headers: { [HEADER_HEALTH_CHECK]: "1" }, signal: ac.signal });
      await res.body.dump();
      pass = res.statusCode >= 200 && res.statusCode < 300;
      this.lastError = pass ? null : `status ${res.statusCode}`;
    } catch (err) {
      this.lastError = ac.signal.aborted ? String((ac.signal.reason as Error).message) : err instanceof Error ? err.message : String(err);
    } finally {
      clock.clearTimeout(timeout);
    }
    this.record(pass);
    this.schedule(this.config.intervalMs * (0.9 + 0.2 * this.deps.random()));
  }

  private record(pass: boolean): void {
    if (this.stopped) return;
    if (pass) {
      this.passes++;
      this.failures = 0;
      if (this.healthy !== true && (this.healthy === undefined || this.passes >= this.config.healthyThreshold)) this.set(true);
    } else {
      this.failures++;
      this.passes = 0;
      if (this.healthy !== false && this.failures >= this.config.unhealthyThreshold) this.set(false);
    }
  }

  private set(healthy: boolean): void {
    this.healthy = healthy;
    this.onChange(healthy);
  }
}
