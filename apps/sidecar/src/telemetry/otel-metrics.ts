// OpenTelemetry metrics: a MeterProvider exporting OTLP/HTTP (JSON) with DELTA temporality, request
// latency in explicit buckets shared with the control plane's rollups. What could not be delivered is
// kept and sent again at the next export (retaining-exporter.ts), so a control-plane outage longer than
// one interval loses no counts; failures are logged and otherwise ignored: telemetry never affects traffic.
import { diag, DiagLogLevel } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import {
  ATTR_BREAKER_REASON,
  ATTR_DESTINATION_SERVICE,
  ATTR_DIRECTION,
  ATTR_ENDPOINT,
  ATTR_REJECT_REASON,
  ATTR_SOURCE_SERVICE,
  ATTR_SOURCE_VERSION,
  LATENCY_BOUNDS_MS,
  METRIC_ENDPOINT_BREAKER_STATE,
  METRIC_ENDPOINT_EJECTIONS,
  METRIC_ENDPOINT_HEALTHY,
  METRIC_ENDPOINT_STATE_SINCE,
  METRIC_REQUEST_DURATION,
  METRIC_REQUESTS,
  METRIC_SIDECAR_REJECTED_REQUESTS,
  RESOURCE_SERVICE_INSTANCE_ID,
  RESOURCE_SERVICE_NAME,
  RESOURCE_SERVICE_VERSION,
} from "@trellis/mesh-model";
import type { Logger } from "../log";
import type { RequestRecorder } from "./request-recorder";
import { mergingScopes, RequestMetrics } from "./request-metrics";
import { RetainingOtlpExporter } from "./retaining-exporter";
import { BREAKER_STATE_VALUE, type EndpointStateView } from "../breaker/breaker-board";
import type { RejectionCount } from "./rejection-counts";

const METER_NAME = "trellis-sidecar";

export interface OtelMetricsOptions {
  /** Base OTLP/HTTP endpoint, e.g. http://127.0.0.1:4318; metrics go to `<endpoint>/v1/metrics`. */
  endpoint: string;
  intervalMs: number;
  service: string;
  version: string;
  instanceId: string;
  log: Logger;
  /** Breaker state and health of every destination endpoint, read at each export. */
  endpoints?: () => Iterable<EndpointStateView>;
  /** Running totals of requests the listeners refused as malformed, read at each export. */
  rejections?: () => Iterable<RejectionCount>;
}

export interface OtelMetrics {
  recorder: RequestRecorder;
  /** Exports what has been recorded so far. */
  flush(): Promise<void>;
  /** Flushes and stops, giving up after `timeoutMs` (the SDK keeps retrying a down receiver); never throws. */
  shutdown(timeoutMs: number): Promise<void>;
}

export function startOtelMetrics(o: OtelMetricsOptions): OtelMetrics {
  routeDiagnostics(o.log);
  // One attempt must be over before the next export is due; what fails waits for that next export.
  const exportTimeoutMs = Math.max(100, Math.min(o.intervalMs, 10_000));
  const exporter = new RetainingOtlpExporter({ url: `${o.endpoint.replace(/\/+$/, "")}/v1/metrics`, attemptTimeoutMs: exportTimeoutMs, log: o.log });
  const resource = resourceFromAttributes({
    [RESOURCE_SERVICE_NAME]: o.service,
    [RESOURCE_SERVICE_VERSION]: o.version,
    [RESOURCE_SERVICE_INSTANCE_ID]: o.instanceId,
  });
  // Requests and their latency are aggregated per attribute set by RequestMetrics (the SDK's own
  // instruments hash the attribute set on every request) and join the meter's scope at each export.
  const requestMetrics = new RequestMetrics(
    { [ATTR_SOURCE_SERVICE]: o.service, [ATTR_SOURCE_VERSION]: o.version },
    LATENCY_BOUNDS_MS,
    {
      requests: { name: METRIC_REQUESTS, unit: "{request}", description: "Requests through the sidecar" },
      duration: { name: METRIC_REQUEST_DURATION, unit: "ms", description: "Request duration until the response finished" },
    },
    { name: METER_NAME },
    resource,
  );
  const reader = new PeriodicExportingMetricReader({ exporter: mergingScopes(exporter), exportIntervalMillis: o.intervalMs, exportTimeoutMillis: exportTimeoutMs, metricProducers: [requestMetrics] });
  const provider = new MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter(METER_NAME);
  const endpoints = o.endpoints;
  if (endpoints) {
    const breakerState = meter.createObservableGauge(METRIC_ENDPOINT_BREAKER_STATE, { description: "Outlier ejection per destination endpoint: 0 closed, 1 open, 2 half-open" });
    const healthy = meter.createObservableGauge(METRIC_ENDPOINT_HEALTHY, { description: "Active health check result per destination endpoint: 1 healthy, 0 not" });
    // Since-when and why ride on their own gauge, so a new reason starts a new series there and the
    // state gauge keeps one series per endpoint. Ejections are running totals (the SDK sends deltas).
    const stateSince = meter.createObservableGauge(METRIC_ENDPOINT_STATE_SINCE, { unit: "ms", description: "When the endpoint's breaker entered its state (unix ms), by reason" });
    const ejections = meter.createObservableCounter(METRIC_ENDPOINT_EJECTIONS, { unit: "{ejection}", description: "Outlier ejections per destination endpoint" });
    meter.addBatchObservableCallback(
      (result) => {
        const nowMs = Date.now();
        for (const e of endpoints()) {
          const attributes = { [ATTR_DESTINATION_SERVICE]: e.service, [ATTR_ENDPOINT]: e.instanceId };
          result.observe(breakerState, BREAKER_STATE_VALUE[e.state], attributes);
          result.observe(healthy, e.healthy ? 1 : 0, attributes);
          result.observe(stateSince, nowMs - e.forMs, { ...attributes, [ATTR_BREAKER_REASON]: e.reasonCode });
          result.observe(ejections, e.ejections, attributes);
        }
      },
      [breakerState, healthy, stateSince, ejections],
    );
  }
  const rejections = o.rejections;
  if (rejections) {
    // Observed as running totals; the SDK turns them into deltas like every other counter here.
    const rejected = meter.createObservableCounter(METRIC_SIDECAR_REJECTED_REQUESTS, { unit: "{request}", description: "Requests a listener refused as malformed or ambiguous HTTP, by reason" });
    rejected.addCallback((result) => {
      for (const r of rejections()) result.observe(r.count, { [ATTR_DIRECTION]: r.direction, [ATTR_REJECT_REASON]: r.reason });
    });
  }
  return {
    recorder: requestMetrics,
    flush: () => provider.forceFlush().catch((error: unknown) => o.log.warn("telemetry_flush_failed", { error })),
    shutdown: async (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          o.log.warn("telemetry_shutdown_timeout", { timeoutMs });
          resolve();
        }, timeoutMs);
      });
      const done = provider.shutdown({ timeoutMillis: timeoutMs }).catch((error: unknown) => o.log.warn("telemetry_shutdown_failed", { error }));
      await Promise.race([done, gaveUp]);
      clearTimeout(timer);
    },
  };
}

let diagInstalled = false;

/** The SDK reports export failures through its global diag logger; send them to our log as warnings. */
function routeDiagnostics(log: Logger): void {
  if (diagInstalled) return;
  diagInstalled = true;
  const warn = (message: string, ...args: unknown[]) => log.warn("telemetry_diagnostic", { message, detail: args.map(String).join(" ") });
  diag.setLogger({ error: warn, warn, info: () => {}, debug: () => {}, verbose: () => {} }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}
