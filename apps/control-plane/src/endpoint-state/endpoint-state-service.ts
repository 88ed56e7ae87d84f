// Per-endpoint breaker state from the sidecars' metrics: stored from each OTLP export (best effort,
// after the rollups; a failure here is logged and never fails the export, whose rollups are already
// committed) and read for the console. Every sidecar reports every endpoint of every destination, so
// only views that ever left "closed, healthy, no ejections" are stored, and an unchanged view is
// rewritten only every `refreshMs` (to keep it from going stale), not at every export.
import { parseDuration, type EndpointsQuery, type ServiceEndpointsResponse } from "@trellis/mesh-model";
import { endpointStateKey, type Database, type EndpointStateReport } from "../db";
import type { Logger } from "../log";
import { extractEndpointStates } from "../ingest/endpoint-state-extraction";
import type { NormalisedMetrics } from "../ingest/normalise-metrics";
import { endpointViews } from "./endpoint-view";

export interface EndpointStateServiceOptions {
  db: Pick<Database, "endpointStates" | "registry">;
  now: () => Date;
  log: Logger;
  /** Views and ejection counts older than this are deleted (the minute rollups' retention). */
  retentionMs: number;
  /** An unchanged view is written again after this long (default 15 s). */
  refreshMs?: number;
  /** A view not reported for this long is stale (default 60 s: the refresh plus a few export intervals). */
  staleAfterMs?: number;
}

/** How often expired views are deleted, at the next export. */
const SWEEP_INTERVAL_MS = 600_000;

export class EndpointStateService {
  /** Stored views by key: what was last written and when (bounded by the stored rows). */
  private readonly written = new Map<string, { fingerprint: string; sinceMs: number | null; atMs: number }>();
  private loaded: Promise<void> | undefined;
  private lastSweepMs = 0;
  private readonly refreshMs: number;
  private readonly staleAfterMs: number;

  constructor(private readonly options: EndpointStateServiceOptions) {
    this.refreshMs = options.refreshMs ?? 15_000;
    this.staleAfterMs = options.staleAfterMs ?? 60_000;
  }

  /** Stores what the export says about endpoints; adds a rejection for each malformed point. Never throws. */
  async record(metrics: NormalisedMetrics, now: Date): Promise<void> {
    const { reports, rejected } = extractEndpointStates(metrics, now);
    for (const reason of rejected) metrics.rejected.add(1, reason);
    if (reports.length === 0) return;
    try {
      this.loaded ??= this.loadKeys();
      await this.loaded;
      const nowMs = now.getTime();
      const due: EndpointStateReport[] = [];
      for (const r of reports) {
        const key = endpointStateKey(r.service, r.endpoint, r.reporter);
        const last = this.written.get(key);
        const pristine = r.state === "closed" && r.reason === "none" && r.healthy !== false && r.ejections === 0;
        if (!last && pristine) continue;
        if (last && r.ejections === 0 && last.fingerprint === fingerprintOf(r) && sameSince(last.sinceMs, r.since) && nowMs - last.atMs < this.refreshMs) continue;
        due.push(r);
      }
      if (due.length > 0) {
        await this.options.db.endpointStates.record(due);
        for (const r of due) {
          this.written.set(endpointStateKey(r.service, r.endpoint, r.reporter), { fingerprint: fingerprintOf(r), sinceMs: r.since?.getTime() ?? null, atMs: nowMs });
        }
      }
      if (nowMs - this.lastSweepMs >= SWEEP_INTERVAL_MS) await this.sweep(nowMs);
    } catch (err) {
      this.loaded = undefined;
      this.options.log.warn("endpoint_state_write_failed", { err });
    }
  }

  async endpoints(service: string, query: EndpointsQuery): Promise<ServiceEndpointsResponse> {
    const now = this.options.now();
    const nowMs = now.getTime();
    const windowMs = parseDuration(query.window) ?? 3_600_000;
    const [instances, states, ejections] = await Promise.all([
      this.options.db.registry.listInstances(),
      this.options.db.endpointStates.list(service),
      this.options.db.endpointStates.ejectionsSince(service, new Date(Math.floor((nowMs - windowMs) / 60_000) * 60_000)),
    ]);
    return {
      service,
      window: query.window,
      generatedAt: now.toISOString(),
      endpoints: endpointViews({ instances: instances.filter((i) => i.service === service), states, ejections, nowMs, staleAfterMs: this.staleAfterMs }),
    };
  }

  private async loadKeys(): Promise<void> {
    // Views stored before this process started: their pristine reports must still overwrite them.
    for (const key of await this.options.db.endpointStates.keys()) if (!this.written.has(key)) this.written.set(key, { fingerprint: "", sinceMs: null, atMs: 0 });
  }

  private async sweep(nowMs: number): Promise<void> {
    this.lastSweepMs = nowMs;
    const cutoffMs = nowMs - this.options.retentionMs;
    const deleted = await this.options.db.endpointStates.deleteBefore(new Date(cutoffMs));
    for (const [key, w] of this.written) if (w.atMs > 0 && w.atMs < cutoffMs) this.written.delete(key);
    if (deleted > 0) this.options.log.info("endpoint_states_expired", { deleted });
  }
}

const fingerprintOf = (r: EndpointStateReport): string => `${r.state}|${r.reason}|${r.healthy}|${r.reporterService}`;

/**
 * The sidecar turns its monotonic clock into wall time at each export, so an unchanged `since` wobbles
 * by a millisecond or two; a second apart is a new state change.
 */
function sameSince(lastMs: number | null, since: Date | null): boolean {
  if (lastMs === null || since === null) return lastMs === null && since === null;
  return Math.abs(lastMs - since.getTime()) < 1000;
}
