// Request counts and latency histograms aggregated in the sidecar's own cells, one per attribute set,
// and handed to the OpenTelemetry SDK at each collection as its own MetricData (a MetricProducer), so
// the OTLP export is what the SDK's counter and histogram sent: same names, attributes, DELTA
// temporality, bucket bounds, scope. Recording through the SDK's instruments cost ~7% of the
// sidecar's CPU per request (it sorts and JSON-stringifies the attribute set twice per request);
// here a request costs one string key and one Map lookup. See docs/benchmarks.md.
import { ValueType, type Attributes, type HrTime } from "@opentelemetry/api";
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type MetricData,
  type MetricProducer,
  type PushMetricExporter,
  type ResourceMetrics,
  type ScopeMetrics,
} from "@opentelemetry/sdk-metrics";
import type { Resource } from "@opentelemetry/resources";
import { ATTR_DESTINATION_SERVICE, ATTR_DESTINATION_VERSION, ATTR_DIRECTION, ATTR_MTLS, ATTR_OUTCOME, ATTR_RESPONSE_CLASS } from "@trellis/mesh-model";
import type { RequestRecord, RequestRecorder } from "./request-recorder";

/** As the SDK's default cardinality limit: past it, new attribute sets go to one overflow series. */
const CARDINALITY_LIMIT = 2000;
const OVERFLOW: Attributes = { "otel.metric.overflow": true };

interface Cell {
  readonly attributes: Attributes;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** counts[i]: values ≤ bounds[i] (and > bounds[i-1]); the last one is above every bound. */
  counts: number[];
  /** When this series was first recorded in the interval; used when it was not in the previous export. */
  firstAt: HrTime | undefined;
  /** In the previous collection: then its points start at that collection's time (as the SDK's DELTA does). */
  reported: boolean;
}

export interface RequestMetricNames {
  requests: { name: string; unit: string; description: string };
  duration: { name: string; unit: string; description: string };
}

/** Index leaf: a record's cell by direction and mTLS (slotOf). */
type Leaf = [Cell | undefined, Cell | undefined, Cell | undefined, Cell | undefined];

const slotOf = (r: RequestRecord): number => (r.direction === "outbound" ? 0 : 2) + (r.mtls ? 1 : 0);

export class RequestMetrics implements RequestRecorder, MetricProducer {
  private cells = new Map<string, Cell>();
  /**
   * The cells again, by destination service → version → outcome → response class → slotOf: Map
   * lookups by strings the snapshot and the telemetry layer hold already (hashes cached), where the
   * string key of `cells` had to be built and hashed for every request (~1-2% of the CPU per request).
   * Rebuilt from `cells` after every collection.
   */
  private index = new Map<string, Map<string, Map<string, Map<string, Leaf>>>>();
  private active: Cell[] = [];
  private lastCollection: HrTime | undefined;

  constructor(
    private readonly source: Attributes,
    private readonly bounds: readonly number[],
    private readonly names: RequestMetricNames,
    private readonly scope: { name: string; version?: string },
    /** The provider's resource (the reader keeps the SDK's own anyway). */
    private readonly resource: Resource,
  ) {}

  record(r: RequestRecord): void {
    const leaf = this.index.get(r.destinationService)?.get(r.destinationVersion)?.get(r.outcome)?.get(r.responseClass);
    let cell = leaf?.[slotOf(r)];
    if (cell === undefined) cell = this.cellOf(r);
    if (cell.count === 0) {
      this.active.push(cell);
      if (!cell.reported) cell.firstAt = hrTime();
    }
    const v = r.durationMs;
    cell.count++;
    // The SDK's histogram ignores NaN; the counter still counts the request.
    if (Number.isNaN(v)) return;
    cell.sum += v;
    if (v < cell.min) cell.min = v;
    if (v > cell.max) cell.max = v;
    cell.counts[bucketOf(this.bounds, v)]!++;
  }

  /** The cell of a record the index does not know yet: found or made by its string key, then indexed. */
  private cellOf(r: RequestRecord): Cell {
    const key = `${r.direction}\n${r.destinationService}\n${r.destinationVersion}\n${r.responseClass}\n${r.outcome}\n${r.mtls ? 1 : 0}`;
    const cell = this.cells.get(key) ?? this.newCell(key, r);
    let byVersion = this.index.get(r.destinationService);
    if (byVersion === undefined) this.index.set(r.destinationService, (byVersion = new Map()));
    let byOutcome = byVersion.get(r.destinationVersion);
    if (byOutcome === undefined) byVersion.set(r.destinationVersion, (byOutcome = new Map()));
    let byClass = byOutcome.get(r.outcome);
    if (byClass === undefined) byOutcome.set(r.outcome, (byClass = new Map()));
    let leaf = byClass.get(r.responseClass);
    if (leaf === undefined) byClass.set(r.responseClass, (leaf = [undefined, undefined, undefined, undefined]));
    leaf[slotOf(r)] = cell;
    return cell;
  }

  private newCell(key: string, r: RequestRecord): Cell {
    if (this.cells.size >= CARDINALITY_LIMIT - 1) {
      const overflow = this.cells.get("overflow");
      if (overflow) return overflow;
      key = "overflow";
    }
    const attributes: Attributes =
      key === "overflow"
        ? OVERFLOW
        : {
            ...this.source,
            [ATTR_DESTINATION_SERVICE]: r.destinationService,
            [ATTR_DESTINATION_VERSION]: r.destinationVersion,
            [ATTR_RESPONSE_CLASS]: r.responseClass,
            [ATTR_OUTCOME]: r.outcome,
            [ATTR_DIRECTION]: r.direction,
            [ATTR_MTLS]: r.mtls,
          };
    const cell = emptyCell(attributes, this.bounds.length + 1, false);
    this.cells.set(key, cell);
    return cell;
  }

  /** The recorded interval as SDK metric data; starts the next interval. Series not recorded in it are dropped, as the SDK does. */
  takeMetricData(now: HrTime = hrTime()): MetricData[] {
    const active = this.active;
    const last = this.lastCollection;
    this.lastCollection = now;
    this.active = [];
    const next = new Map<string, Cell>();
    this.index = new Map();
    if (active.length === 0) {
      this.cells = next;
      return [];
    }
    const boundaries = [...this.bounds];
    const sums = [];
    const histograms = [];
    for (const [key, cell] of this.cells) {
      if (cell.count === 0) continue;
      const startTime = cell.reported && last !== undefined ? last : cell.firstAt!;
      sums.push({ attributes: cell.attributes, startTime, endTime: now, value: cell.count });
      const measured = cell.counts.reduce((a, b) => a + b, 0);
      histograms.push({
        attributes: cell.attributes,
        startTime,
        endTime: now,
        value: { min: measured > 0 ? cell.min : undefined, max: measured > 0 ? cell.max : undefined, sum: cell.sum, buckets: { boundaries, counts: cell.counts }, count: measured },
      });
      next.set(key, emptyCell(cell.attributes, cell.counts.length, true));
    }
    this.cells = next;
    return [
      // The order the SDK gave them in: the histogram (it had a view) before the counter.
      {
        descriptor: { ...this.names.duration, valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.DELTA,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: histograms,
      },
      {
        descriptor: { ...this.names.requests, valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.DELTA,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: sums,
      },
    ];
  }

  /** MetricProducer: what the reader merges into its collection (sameScope() then folds it into the meter's scope). */
  async collect(): Promise<CollectionResult> {
    const metrics = this.takeMetricData();
    const scopeMetrics: ScopeMetrics[] = metrics.length ? [{ scope: { name: this.scope.name, version: this.scope.version ?? "", schemaUrl: undefined }, metrics }] : [];
    return { resourceMetrics: { resource: this.resource, scopeMetrics }, errors: [] };
  }
}

/** Wall-clock time as the SDK takes it (time origin + monotonic offset), as [seconds, nanoseconds]. */
function hrTime(): HrTime {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.trunc(ms / 1000);
  return [seconds, Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6))];
}

function emptyCell(attributes: Attributes, buckets: number, reported: boolean): Cell {
  return { attributes, count: 0, sum: 0, min: Infinity, max: -Infinity, counts: new Array<number>(buckets).fill(0), firstAt: undefined, reported };
}

/** The SDK's bucket rule: the first bound ≥ value (upper bounds are inclusive), else the overflow bucket. */
export function bucketOf(bounds: readonly number[], value: number): number {
  let lo = 0;
  let hi = bounds.length - 1;
  let ret = bounds.length;
  while (hi >= lo) {
    const mid = (lo + hi) >>> 1;
    if (bounds[mid]! < value) lo = mid + 1;
    else {
      ret = mid;
      hi = mid - 1;
    }
  }
  return ret;
}

/**
 * Wraps the OTLP exporter so that scope entries of the same scope (the meter's own, and ours from
 * RequestMetrics) leave as one, our metrics first: the export is laid out as when the counter and
 * histogram were the meter's first instruments.
 */
export function mergingScopes(inner: PushMetricExporter): PushMetricExporter {
  return {
    export(metrics: ResourceMetrics, done: Parameters<PushMetricExporter["export"]>[1]) {
      inner.export({ resource: metrics.resource, scopeMetrics: mergeScopes(metrics.scopeMetrics) }, done);
    },
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
    ...(inner.selectAggregationTemporality ? { selectAggregationTemporality: inner.selectAggregationTemporality.bind(inner) } : {}),
    ...(inner.selectAggregation ? { selectAggregation: inner.selectAggregation.bind(inner) } : {}),
  };
}

export function mergeScopes(list: readonly ScopeMetrics[]): ScopeMetrics[] {
  const out: ScopeMetrics[] = [];
  const byKey = new Map<string, ScopeMetrics>();
  for (const s of list) {
    const key = `${s.scope.name}\n${s.scope.version ?? ""}\n${s.scope.schemaUrl ?? ""}`;
    const seen = byKey.get(key);
    if (seen) {
      // Ours come after the SDK's in the reader's list; put them first within the scope.
      seen.metrics = [...s.metrics, ...seen.metrics];
      continue;
    }
    const copy = { scope: s.scope, metrics: s.metrics };
    byKey.set(key, copy);
    out.push(copy);
  }
  return out;
}
