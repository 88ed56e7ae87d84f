// OTLP exports in, rollups out: normalise, read our request metrics, bucket them into 10 s and 60 s
// cells, and write them with group commit. An export is answered only after its write committed.
import type { Repositories, Resolution, RollupRow } from "../db/repositories";
import type { EndpointStateService } from "../endpoint-state/endpoint-state-service";
import { UnavailableError } from "../errors";
import type { Logger } from "../log";
import { ExportAdmission } from "./export-admission";
import { CumulativeToDelta, counterArithmetic, histogramArithmetic } from "./cumulative-to-delta";
import { GroupCommit } from "./group-commit";
import { normaliseMetrics } from "./normalise-metrics";
import { normaliseTraces } from "./normalise-traces";
import type { PartialSuccess } from "./otlp-proto";
import { extractRequestObservations, type DeltaTrackers } from "./request-observations";
import { rollupRowsOf } from "./rollup-bucketing";
import { SERIES_IDLE_MS, SeriesCap, type SeriesCapState } from "./series-cap";

export interface IngestServiceOptions {
  db: Pick<Repositories, "rollups" | "edges" | "registry">;
  now: () => Date;
  log: Logger;
  retention10sMs: number;
  retention1mMs: number;
  /** Cumulative streams that started before this are counted from their second point. */
  startedAt: Date;
  /** Cap on remembered cumulative streams (cardinality guard). */
  maxStreams?: number;
  /** Exports processed or waiting for the writer at once; more are shed (default 64). */
  maxExportsInFlight?: number;
  /** Distinct rollup series active at once (default 50,000); see series-cap.ts. */
  maxSeries?: number;
  /** Per-endpoint breaker state from the same exports (best effort: it never fails an export). */
  endpointStates?: Pick<EndpointStateService, "record">;
  /** Awaited before each rollup write; tests hold the writer with it to see exports pile up. */
  beforeWrite?: () => Promise<void>;
}

export interface IngestStats {
  metricExports: number;
  acceptedPoints: number;
  rejectedPoints: number;
  foreignPoints: number;
  duplicateViews: number;
  storedObservations: number;
  traceExports: number;
  acceptedSpans: number;
  rejectedSpans: number;
  /** Exports (metrics or traces, any transport) refused because too many were in flight. */
  shedExports: number;
  /** Exports in flight right now. */
  exportsInFlight: number;
  /** The series cardinality cap: series active in the last hour, the cap, and points refused by it. */
  series: SeriesCapState;
}

/** An edge's lastSeenAt is refreshed at most this often: it drives idle-edge display, not rates. */
const EDGE_TOUCH_INTERVAL_MS = 30_000;

interface IngestBatch {
  rows: RollupRow[];
  edges: { source: string; destination: string }[];
  services: { name: string; version?: string }[];
}

export class IngestService {
  private readonly counts: Omit<IngestStats, "shedExports" | "exportsInFlight" | "series"> = {
    metricExports: 0,
    acceptedPoints: 0,
    rejectedPoints: 0,
    foreignPoints: 0,
    duplicateViews: 0,
    storedObservations: 0,
    traceExports: 0,
    acceptedSpans: 0,
    rejectedSpans: 0,
  };
  private readonly trackers: DeltaTrackers;
  /** Services (and versions) already ensured in the registry, so that most batches skip that write. */
  private readonly ensured = new Set<string>();
  /** When each edge was last written to the edges table. */
  private readonly edgeTouchedAt = new Map<string, number>();
  private readonly writer = new GroupCommit<IngestBatch>((batches) => this.write(batches));
  private readonly admission: ExportAdmission;
  private readonly series: SeriesCap;

  constructor(private readonly options: IngestServiceOptions) {
    this.admission = new ExportAdmission(options.maxExportsInFlight ?? 64);
    this.series = new SeriesCap(options.maxSeries ?? 50_000);
    const sinceNs = BigInt(options.startedAt.getTime()) * 1_000_000n;
    const limits = { sinceNs, maxStreams: options.maxStreams ?? 100_000 };
    this.trackers = { counters: new CumulativeToDelta(counterArithmetic, limits), histograms: new CumulativeToDelta(histogramArithmetic, limits) };
  }

  /** A snapshot of the counters (for /healthz). */
  get stats(): IngestStats {
    return { ...this.counts, shedExports: this.admission.shed, exportsInFlight: this.admission.current, series: this.series.state };
  }

  /** Counts the series stored in the last hour against the cap (at start, so that a restart does not reset it). */
  async loadRecentSeries(): Promise<void> {
    const nowMs = this.options.now().getTime();
    for (const labels of await this.options.db.rollups.recentSeries(new Date(nowMs - SERIES_IDLE_MS))) this.series.remember(labels, nowMs);
  }

  /** Throws OverloadedError (or UnavailableError) when an export arriving now would be shed. */
  refuseIfBusy(): void {
    this.admission.refuseIfFull();
  }

  /**
   * Throws InvalidRequestError for an unsound export, UnavailableError when storage failed, and
   * OverloadedError (or UnavailableError while storage fails) when too many exports are in flight.
   */
  async metrics(input: unknown): Promise<PartialSuccess | undefined> {
    const leave = this.admission.enter();
    try {
      return await this.admittedMetrics(input);
    } finally {
      leave();
    }
  }

  private async admittedMetrics(input: unknown): Promise<PartialSuccess | undefined> {
    const metrics = normaliseMetrics(input);
    const now = this.options.now();
    const nowMs = now.getTime();
    const schemaRejections = metrics.rejected.count;
    const extraction = extractRequestObservations(metrics, nowMs, this.trackers);
    const retention: Record<Resolution, number> = { 10: this.options.retention10sMs, 60: this.options.retention1mMs };
    const batch: IngestBatch = { rows: [], edges: [], services: [] };
    let stored = 0;
    for (const obs of extraction.observations) {
      // A point can pass the schema and still convert into counts the store refuses (a count past 2^53,
      // a sum that overflows when its unit is converted): refuse that point here, or it would fail the
      // whole group commit and every other export waiting in it.
      if (!isStorable(obs)) {
        metrics.rejected.add(1, "a data point's counts are not safe non-negative integers or its sum is not finite");
        continue;
      }
      if (!this.series.admit(obs, nowMs)) {
        metrics.rejected.add(1, `the series cap (${this.series.cap} distinct edge/version/class/outcome/mTLS series) is reached; points of new series are refused`);
        continue;
      }
      stored++;
      batch.rows.push(...rollupRowsOf(obs, (resolution) => obs.timeMs >= nowMs - retention[resolution]));
      batch.edges.push({ source: obs.source, destination: obs.destination });
      batch.services.push({ name: obs.source }, { name: obs.destination, version: obs.destinationVersion });
    }
    if (batch.rows.length > 0) await this.submit(batch);
    await this.options.endpointStates?.record(metrics, now);

    const s = this.counts;
    s.metricExports++;
    // Points that passed the schema but not our label checks were counted as accepted first.
    s.acceptedPoints += metrics.acceptedPoints - (metrics.rejected.count - schemaRejections);
    s.rejectedPoints += metrics.rejected.count;
    s.foreignPoints += extraction.foreignPoints;
    s.duplicateViews += extraction.duplicateViews;
    s.storedObservations += stored;
    return metrics.rejected.count > 0 ? { rejected: metrics.rejected.count, errorMessage: metrics.rejected.message() } : undefined;
  }

  /** Spans are validated and counted; storing them is for later. */
  async traces(input: unknown): Promise<PartialSuccess | undefined> {
    // Nothing is awaited today, but a trace export shares the limit with metric exports all the same.
    const leave = this.admission.enter();
    let traces;
    try {
      traces = normaliseTraces(input);
    } finally {
      leave();
    }
    this.counts.traceExports++;
    this.counts.acceptedSpans += traces.acceptedSpans;
    this.counts.rejectedSpans += traces.rejected.count;
    return traces.rejected.count > 0 ? { rejected: traces.rejected.count, errorMessage: traces.rejected.message() } : undefined;
  }

  /** Deletes rollups past their retention. */
  async sweepRetention(): Promise<{ deleted10s: number; deleted1m: number }> {
    const nowMs = this.options.now().getTime();
    const deleted10s = await this.options.db.rollups.deleteBefore(10, new Date(nowMs - this.options.retention10sMs));
    const deleted1m = await this.options.db.rollups.deleteBefore(60, new Date(nowMs - this.options.retention1mMs));
    if (deleted10s + deleted1m > 0) this.options.log.info("rollups_expired", { deleted10s, deleted1m });
    return { deleted10s, deleted1m };
  }

  /** Forgets cumulative streams that went quiet. */
  pruneStreams(): void {
    const nowMs = this.options.now().getTime();
    this.trackers.counters.prune(nowMs);
    this.trackers.histograms.prune(nowMs);
    this.series.prune(nowMs);
    for (const [key, at] of this.edgeTouchedAt) if (nowMs - at > EDGE_TOUCH_INTERVAL_MS) this.edgeTouchedAt.delete(key);
  }

  /** Waits for writes in flight. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  private async submit(batch: IngestBatch): Promise<void> {
    try {
      await this.writer.submit([batch]);
      this.admission.storeFailing = false;
    } catch (err) {
      this.admission.storeFailing = true;
      this.options.log.error("rollup_write_failed", { err });
      throw new UnavailableError("storing the metrics failed; retry later");
    }
  }

  /** Idempotent writes first: a failure after them leaves nothing that a retried export would double. */
  private async write(batches: IngestBatch[]): Promise<void> {
    await this.options.beforeWrite?.();
    const now = this.options.now();
    const services = new Map<string, { name: string; version?: string }>();
    for (const b of batches) for (const s of b.services) services.set(`${s.name}\u0000${s.version ?? ""}`, s);
    for (const [key, s] of services) {
      if (this.ensured.has(key)) continue;
      await this.options.db.registry.ensureService(s.name, s.version);
      this.ensured.add(key);
    }
    const edges = new Map<string, { source: string; destination: string }>();
    for (const b of batches) {
      for (const e of b.edges) {
        const key = `${e.source}\u0000${e.destination}`;
        if (now.getTime() - (this.edgeTouchedAt.get(key) ?? -Infinity) >= EDGE_TOUCH_INTERVAL_MS) edges.set(key, e);
      }
    }
    if (edges.size > 0) {
      await this.options.db.edges.touch([...edges.values()], now);
      for (const key of edges.keys()) this.edgeTouchedAt.set(key, now.getTime());
    }
    // The repository sums rows of one key itself.
    await this.options.db.rollups.add(batches.flatMap((b) => b.rows));
  }
}

function isStorable(obs: { count: number; durationSumMs: number; buckets: readonly number[] }): boolean {
  const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;
  return isCount(obs.count) && obs.buckets.every(isCount) && Number.isFinite(obs.durationSumMs);
}
