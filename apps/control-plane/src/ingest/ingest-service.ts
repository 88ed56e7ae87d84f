// OTLP exports in, rollups out: normalise, read our request metrics, bucket them into 10 s and 60 s
// cells, and write them with group commit. An export is answered only after its write committed.
import type { Repositories } from "../db/repositories";
import type { RollupCell } from "../db/rollup-cells";
import { isStorableRollup } from "../db/rollup-merge";
import type { EndpointStateService } from "../endpoint-state/endpoint-state-service";
import { UnavailableError } from "../errors";
import type { Logger } from "../log";
import { ExportAdmission, type Admitted } from "./export-admission";
import { SERIES_ID_REFRESH_MS } from "../db/rollup-repository";
import { DIGEST_WINDOW_MS, RecentDigests } from "./export-digests";
import { CumulativeToDelta, counterArithmetic, histogramArithmetic } from "./cumulative-to-delta";
import { GroupCommit } from "./group-commit";
import { LoopLag } from "./loop-lag";
import { normaliseMetrics, type NormalisedMetrics } from "./normalise-metrics";
import { normaliseTraces } from "./normalise-traces";
import type { Rejections } from "./rejections";
import type { PartialSuccess } from "./otlp-proto";
import { extractRequestObservations, type DeltaTrackers } from "./request-observations";
import { bucketStartMs } from "./rollup-bucketing";
import { SERIES_IDLE_MS, SeriesCap, seriesKey, type SeriesCapState } from "./series-cap";

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
  /** Body bytes (after decompression) of the exports admitted and not yet answered (default: no bound). */
  maxExportBytesInFlight?: number;
  /** Admitted exports should be answered within this (ms): the in-flight limit adapts to it (default: fixed limit). */
  exportLatencyTargetMs?: number;
  /** Distinct rollup series active at once (default 50,000); see series-cap.ts. */
  maxSeries?: number;
  /** Per-endpoint breaker state from the same exports (best effort: it never fails an export). */
  endpointStates?: Pick<EndpointStateService, "record">;
  /**
   * Exports are also shed while exports keep arriving and the event loop's least lag over a second stays
   * above this (ms; default 250, 0 turns it off): the receivers decode on the loop, so a queue of
   * exports forms in front of them.
   */
  maxStandingLoopLagMs?: number;
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
  /** Exports (metrics or traces, any transport) refused: too many or too many bytes in flight, or the loop behind. */
  shedExports: number;
  /** Metric exports answered without storing them: a repeat (same digest) of one stored before. */
  retriedExports: number;
  /** Exports in flight right now. */
  exportsInFlight: number;
  /** The adaptive in-flight limit now (see export-admission.ts). */
  exportLimit: number;
  /** Body bytes (after decompression) of the exports in flight. */
  exportBytesInFlight: number;
  /** The series cardinality cap: series active in the last hour, the cap, and points refused by it. */
  series: SeriesCapState;
}

/** An edge's lastSeenAt is refreshed at most this often: it drives idle-edge display, not rates. */
const EDGE_TOUCH_INTERVAL_MS = 30_000;
/** Written-ahead cells are folded into the rollup table this long after a write (reads fold at once). */
const FOLD_DELAY_MS = 5_000;
/** The names of the metrics the endpoint-state hook reads (METRIC_ENDPOINT_* in mesh-model). */
const ENDPOINT_METRIC_PREFIX = "trellis.endpoint.";

interface PreparedExport {
  batch: IngestBatch;
  now: Date;
  endpointMetrics: NormalisedMetrics | undefined;
  acceptedPoints: number;
  rejected: Rejections;
  schemaRejections: number;
  foreignPoints: number;
  duplicateViews: number;
  stored: number;
}

interface IngestBatch {
  /** The export's digest (export-digests.ts), when the receiver gave one. */
  digest: string | undefined;
  /** Set by the write: false when an export with the same digest had been stored before. */
  written: boolean;
  cells: RollupCell[];
  edges: { source: string; destination: string }[];
  services: { name: string; version?: string }[];
}

export class IngestService {
  private readonly counts: Omit<IngestStats, "shedExports" | "exportsInFlight" | "exportLimit" | "exportBytesInFlight" | "series"> = {
    metricExports: 0,
    acceptedPoints: 0,
    rejectedPoints: 0,
    foreignPoints: 0,
    duplicateViews: 0,
    storedObservations: 0,
    traceExports: 0,
    acceptedSpans: 0,
    rejectedSpans: 0,
    retriedExports: 0,
  };
  /** Digests of the metric exports this process stored in the last window (export-digests.ts). */
  private readonly recentDigests = new RecentDigests();
  private readonly trackers: DeltaTrackers;
  /** Services (and versions) already ensured in the registry, so that most batches skip that write. */
  private readonly ensured = new Set<string>();
  /** When each edge was last written to the edges table. */
  private readonly edgeTouchedAt = new Map<string, number>();
  private readonly writer = new GroupCommit<IngestBatch>((batches) => this.write(batches));
  private readonly admission: ExportAdmission;
  private readonly series: SeriesCap;
  private readonly loopLag: LoopLag | undefined;
  private foldTimer: NodeJS.Timeout | undefined;
  private folding: Promise<void> | undefined;

  constructor(private readonly options: IngestServiceOptions) {
    const maxLag = options.maxStandingLoopLagMs ?? 250;
    if (maxLag > 0) this.loopLag = new LoopLag();
    this.admission = new ExportAdmission({
      limit: options.maxExportsInFlight ?? 64,
      maxBytes: options.maxExportBytesInFlight,
      targetMs: options.exportLatencyTargetMs,
      overloaded: () => (this.loopLag?.standingLagMs ?? 0) > maxLag,
    });
    this.series = new SeriesCap(options.maxSeries ?? 50_000);
    const sinceNs = BigInt(options.startedAt.getTime()) * 1_000_000n;
    const limits = { sinceNs, maxStreams: options.maxStreams ?? 100_000 };
    this.trackers = { counters: new CumulativeToDelta(counterArithmetic, limits), histograms: new CumulativeToDelta(histogramArithmetic, limits) };
  }

  /** A snapshot of the counters (for /healthz). */
  get stats(): IngestStats {
    const a = this.admission;
    return { ...this.counts, shedExports: a.shed, exportsInFlight: a.current, exportLimit: a.currentLimit, exportBytesInFlight: a.currentBytes, series: this.series.state };
  }

  /** Counts the series stored in the last hour against the cap (at start, so that a restart does not reset it). */
  async loadRecentSeries(): Promise<void> {
    const nowMs = this.options.now().getTime();
    for (const labels of await this.options.db.rollups.recentSeries(new Date(nowMs - SERIES_IDLE_MS))) this.series.remember(labels, nowMs);
  }

  /**
   * Takes an export slot for `bytes` (what the export declares before it is read), or throws
   * OverloadedError (UnavailableError while storage fails) when the admission refuses it. Receivers
   * call it before they read, inflate or decode a body — that work is what overload costs — and hand
   * `admitted: true` to metrics()/traces(); the returned function frees the slot.
   */
  admit(bytes = 0): Admitted {
    return this.admission.enter(bytes);
  }

  /**
   * Throws InvalidRequestError for an unsound export, UnavailableError when storage failed, and
   * OverloadedError (or UnavailableError while storage fails) when too many exports are in flight.
   * `admitted`: the caller holds a slot from admit() already. `digest`: exportDigest() of the decompressed
   * body; an export whose digest was stored in the last DIGEST_WINDOW_MS is answered as stored, not stored again.
   */
  metrics(input: unknown, admitted = false, digest?: string): Promise<PartialSuccess | undefined> {
    // Not async, and the export is parsed in a plain function: no suspended frame may hold the parsed
    // export while the write is awaited (16 exports kept alive that way made garbage collection cost
    // more than decoding).
    if (digest !== undefined && this.recentDigests.has(digest, this.options.now().getTime())) {
      this.counts.retriedExports++;
      return Promise.resolve(undefined);
    }
    const leave = admitted ? undefined : this.admission.enter();
    let prepared: PreparedExport;
    try {
      prepared = this.prepareMetrics(input, digest);
    } catch (err) {
      leave?.();
      return Promise.reject(err);
    }
    const done = this.commitMetrics(prepared);
    return leave ? done.finally(leave) : done;
  }

  /** Everything about an export that needs no waiting: parsed, checked, summed into cells. */
  private prepareMetrics(input: unknown, digest: string | undefined): PreparedExport {
    const metrics = normaliseMetrics(input);
    const now = this.options.now();
    const nowMs = now.getTime();
    const schemaRejections = metrics.rejected.count;
    const extraction = extractRequestObservations(metrics, nowMs, this.trackers);
    const oldest10 = nowMs - this.options.retention10sMs;
    const oldest60 = nowMs - this.options.retention1mMs;
    const batch: IngestBatch = { digest, written: true, cells: [], edges: [], services: [] };
    // The export's points summed per series and 10 s cell (a cell's 60 s bucket follows from its time),
    // found by the series key (one string per label set, so its hash is computed once) and then by the
    // cell's 10 s start and which resolutions it goes to.
    const cells = new Map<string, { bucket10Ms: number; to: number; cell: RollupCell }[]>();
    const edgesSeen = new Set<string>();
    let stored = 0;
    for (const obs of extraction.observations) {
      // A point can pass the schema and still convert into counts the store refuses (a count past 2^53,
      // a sum that overflows when its unit is converted): refuse that point here, or it would fail the
      // whole group commit and every other export waiting in it.
      if (!isStorableRollup(obs)) {
        metrics.rejected.add(1, "a data point's counts are not safe non-negative integers or its sum is not finite");
        continue;
      }
      if (!this.series.admit(obs, nowMs)) {
        metrics.rejected.add(1, `the series cap (${this.series.cap} distinct edge/version/class/outcome/mTLS series) is reached; points of new series are refused`);
        continue;
      }
      stored++;
      const in10 = obs.timeMs >= oldest10;
      const in60 = obs.timeMs >= oldest60;
      if (!in10 && !in60) continue;
      const bucket10Ms = bucketStartMs(obs.timeMs, 10);
      const to = (in10 ? 1 : 0) | (in60 ? 2 : 0);
      const series = obs.seriesKey ?? seriesKey(obs);
      let ofSeries = cells.get(series);
      const found = ofSeries?.find((c) => c.bucket10Ms === bucket10Ms && c.to === to);
      if (found) {
        const cell = found.cell;
        cell.count += obs.count;
        cell.durationSumMs += obs.durationSumMs;
        for (let i = 0; i < cell.buckets.length; i++) cell.buckets[i]! += obs.buckets[i]!;
        continue;
      }
      const cell: RollupCell = {
        seriesKey: series,
        source: obs.source,
        destination: obs.destination,
        destinationVersion: obs.destinationVersion,
        responseClass: obs.responseClass,
        outcome: obs.outcome,
        mtls: obs.mtls,
        bucket10Ms: in10 ? bucket10Ms : -1,
        bucket60Ms: in60 ? bucketStartMs(obs.timeMs, 60) : -1,
        count: obs.count,
        durationSumMs: obs.durationSumMs,
        // The observation's own array (rebucket and the counter path build a new one for each), summed into from here on.
        buckets: obs.buckets,
      };
      if (ofSeries === undefined) cells.set(series, (ofSeries = []));
      ofSeries.push({ bucket10Ms, to, cell });
      batch.cells.push(cell);
      const edgeKey = `${obs.source}\u0000${obs.destination}\u0000${obs.destinationVersion}`;
      if (!edgesSeen.has(edgeKey)) {
        edgesSeen.add(edgeKey);
        batch.edges.push({ source: obs.source, destination: obs.destination });
        batch.services.push({ name: obs.source }, { name: obs.destination, version: obs.destinationVersion });
      }
    }
    return {
      batch,
      now,
      // Only what the endpoint-state hook reads crosses the wait for the write, not the whole export.
      endpointMetrics: this.options.endpointStates ? endpointMetricsOf(metrics) : undefined,
      acceptedPoints: metrics.acceptedPoints,
      rejected: metrics.rejected,
      schemaRejections,
      foreignPoints: extraction.foreignPoints,
      duplicateViews: extraction.duplicateViews,
      stored,
    };
  }

  private async commitMetrics(p: PreparedExport): Promise<PartialSuccess | undefined> {
    const { batch, now, endpointMetrics, acceptedPoints, rejected, schemaRejections, foreignPoints, duplicateViews, stored } = p;
    if (batch.cells.length > 0) {
      await this.submit(batch);
      if (!batch.written) {
        // A retry of an export stored before (this or another replica, or before a restart): its answer then
        // may have been lost, this one says it is stored. Nothing of it is counted or recorded twice.
        this.counts.retriedExports++;
        return undefined;
      }
      if (batch.digest !== undefined) this.recentDigests.add(batch.digest, now.getTime());
    }
    if (endpointMetrics) await this.options.endpointStates?.record(endpointMetrics, now);

    const s = this.counts;
    s.metricExports++;
    // Points that passed the schema but not our label checks were counted as accepted first.
    s.acceptedPoints += acceptedPoints - (rejected.count - schemaRejections);
    s.rejectedPoints += rejected.count;
    s.foreignPoints += foreignPoints;
    s.duplicateViews += duplicateViews;
    s.storedObservations += stored;
    return rejected.count > 0 ? { rejected: rejected.count, errorMessage: rejected.message() } : undefined;
  }

  /** Spans are validated and counted; storing them is for later. */
  async traces(input: unknown, admitted = false): Promise<PartialSuccess | undefined> {
    // Nothing is awaited today, but a trace export shares the limit with metric exports all the same.
    const leave = admitted ? () => {} : this.admission.enter();
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

  /**
   * Deletes rollups past their retention, then the series ids whose rollups are all gone, and the export
   * digests past their window.
   */
  async sweepRetention(): Promise<{ deleted10s: number; deleted1m: number; prunedSeries: number; forgottenDigests: number }> {
    const nowMs = this.options.now().getTime();
    const { rollups } = this.options.db;
    const deleted10s = await rollups.deleteBefore(10, new Date(nowMs - this.options.retention10sMs));
    const deleted1m = await rollups.deleteBefore(60, new Date(nowMs - this.options.retention1mMs));
    // A writer stamps a series id at most SERIES_ID_REFRESH_MS before its last use, and a point is at most
    // 10 minutes ahead of its writer's clock: an id not stamped for the longest retention plus twice that
    // has no rollup left and is in no process's cache.
    const prunedSeries = await rollups.pruneSeries(new Date(nowMs - Math.max(this.options.retention10sMs, this.options.retention1mMs) - 2 * SERIES_ID_REFRESH_MS));
    const forgottenDigests = await rollups.forgetDigests(new Date(nowMs - DIGEST_WINDOW_MS));
    if (deleted10s + deleted1m + prunedSeries > 0) this.options.log.info("rollups_expired", { deleted10s, deleted1m, prunedSeries });
    return { deleted10s, deleted1m, prunedSeries, forgottenDigests };
  }

  /** Forgets cumulative streams that went quiet. */
  pruneStreams(): void {
    const nowMs = this.options.now().getTime();
    this.trackers.counters.prune(nowMs);
    this.trackers.histograms.prune(nowMs);
    this.series.prune(nowMs);
    this.recentDigests.prune(nowMs);
    for (const [key, at] of this.edgeTouchedAt) if (nowMs - at > EDGE_TOUCH_INTERVAL_MS) this.edgeTouchedAt.delete(key);
  }

  /** Waits for writes in flight and for a fold that runs; a fold still scheduled is left to the next start or read. */
  async flush(): Promise<void> {
    await this.writer.flush();
    if (this.foldTimer) clearTimeout(this.foldTimer);
    this.foldTimer = undefined;
    await this.folding;
  }

  /** Folds written-ahead cells into the rollup table soon (once per FOLD_DELAY_MS at most). */
  private scheduleFold(): void {
    if (this.foldTimer) return;
    this.foldTimer = setTimeout(() => {
      this.foldTimer = undefined;
      this.folding = this.options.db.rollups.foldPending().catch((err: unknown) => this.options.log.error("rollup_fold_failed", { err }));
    }, FOLD_DELAY_MS);
    this.foldTimer.unref();
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
    // One write-ahead row for the whole group (and its exports' digests, in the same transaction); the
    // fold sums cells of one key.
    const written = await this.options.db.rollups.addExports(batches, now);
    for (let i = 0; i < batches.length; i++) batches[i]!.written = written[i]!;
    this.scheduleFold();
  }
}

/** The export with only its trellis.endpoint.* metrics (what the endpoint-state hook reads), sharing its rejections. */
function endpointMetricsOf(metrics: NormalisedMetrics): NormalisedMetrics {
  return {
    acceptedPoints: metrics.acceptedPoints,
    rejected: metrics.rejected,
    resources: metrics.resources.map((r) => ({
      attributes: r.attributes,
      scopes: r.scopes.map((sc) => ({ name: sc.name, version: sc.version, metrics: sc.metrics.filter((m) => m.name.startsWith(ENDPOINT_METRIC_PREFIX)) })),
    })),
  };
}
