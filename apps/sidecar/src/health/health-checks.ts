// The sidecar's active health checks: one probe per destination endpoint (through the endpoint's
// sidecar inbound, which passes the GET to its app) and one for the local app. Re-synced on every
// applied bundle: probes for departed endpoints stop, new ones start, changed policies apply.
import type { Dispatcher } from "undici";
import type { CompiledHealthCheck } from "@trellis/mesh-model";
import type { Snapshot } from "../snapshot/snapshot";
import type { EndpointTarget } from "../balancers/balancer";
import type { Destination } from "../routing/route-table";
import { systemClock, type Clock, type Random } from "../time/clock";
import { HealthProbe, type ProbeDeps } from "./health-probe";

export interface HealthChecksDeps {
  dispatcher: Dispatcher;
  /** The dispatcher for a destination's endpoints (mutual TLS when the destination needs it); `dispatcher` without it. May throw to fail closed. */
  dispatcherFor?: (destination: Destination) => Dispatcher;
  /** The local app, checked with the bundle's `localHealthCheck`. */
  app: EndpointTarget;
  clock?: Clock;
  random?: Random;
  onLocalChange?: (healthy: boolean) => void;
}

const LOCAL = "local-app";

export class HealthChecks {
  private readonly probes = new Map<string, HealthProbe>();
  private readonly deps: { dispatcher: Dispatcher; clock: Clock; random: Random };
  /** The latest snapshot's destination per name: a probe outlives snapshots and asks for its pool at each check. */
  private readonly destinations = new Map<string, Destination>();

  constructor(private readonly options: HealthChecksDeps) {
    this.deps = { dispatcher: options.dispatcher, clock: options.clock ?? systemClock, random: options.random ?? Math.random };
  }

  /** The local app's verdict; undefined until the thresholds decide. */
  get localHealthy(): boolean | undefined {
    return this.probes.get(LOCAL)?.healthy;
  }

  sync(snapshot: Snapshot): void {
    const wanted = new Set<string>([LOCAL]);
    this.ensure(LOCAL, this.options.app.origin, snapshot.bundle.localHealthCheck, (healthy) => this.options.onLocalChange?.(healthy));
    this.destinations.clear();
    for (const dest of snapshot.destinations.values()) {
      this.destinations.set(dest.name, dest);
      const group = dest.breakers;
      for (const e of dest.service.endpoints) {
        const key = `${dest.name}/${e.instanceId}`;
        wanted.add(key);
        const host = e.host.includes(":") && !e.host.startsWith("[") ? `[${e.host}]` : e.host;
        const breaker = group.member(e.instanceId);
        this.ensure(key, `http://${host}:${e.port}`, dest.service.healthCheck, (healthy) => group.setHealthy(breaker, healthy), dest.name);
      }
    }
    for (const [key, probe] of this.probes) {
      if (wanted.has(key)) continue;
      probe.stop();
      this.probes.delete(key);
    }
  }

  private ensure(key: string, origin: string, config: CompiledHealthCheck, onChange: (healthy: boolean) => void, destination?: string): void {
    const existing = this.probes.get(key);
    if (existing && existing.origin === origin) {
      existing.config = config;
      return;
    }
    existing?.stop();
    const probe = new HealthProbe(origin, config, destination === undefined ? this.deps : this.depsFor(destination), onChange);
    this.probes.set(key, probe);
    probe.start();
  }

  /** Checks of a destination's endpoints go the way its traffic goes (over mTLS when it is strict). */
  private depsFor(name: string): ProbeDeps {
    const { dispatcherFor } = this.options;
    if (!dispatcherFor) return this.deps;
    const { clock, random, dispatcher } = this.deps;
    const destinations = this.destinations;
    return {
      clock,
      random,
      get dispatcher() {
        const dest = destinations.get(name);
        return dest ? dispatcherFor(dest) : dispatcher;
      },
    };
  }

  get size(): number {
    return this.probes.size;
  }

  /** For /stats. */
  view(): Record<string, { healthy: boolean | null; lastError: string | null }> {
    const out: ReturnType<HealthChecks["view"]> = {};
    for (const [key, p] of this.probes) out[key] = { healthy: p.healthy ?? null, lastError: p.lastError };
    return out;
  }

  stop(): void {
    for (const p of this.probes.values()) p.stop();
    this.probes.clear();
  }
}
