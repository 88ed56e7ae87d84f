// An OTLP/HTTP (JSON) metric exporter that keeps what it could not deliver and sends it again, oldest
// first, at the next export — so a control-plane outage longer than one export interval loses no
// request counts. The SDK's own exporter retries within one export's deadline and then drops the batch;
// with DELTA temporality that batch is the only record of its interval.
//
// Each batch is serialised once and resent byte for byte: the control plane remembers the digest of
// every export body it stored for 15 minutes (export-digests.ts), so a batch whose first attempt was
// stored but not answered (a kill between commit and answer, a timeout) is not counted twice. That is
// why the backlog is bounded by age below that window, as well as by count and bytes.
//
// What is retried follows the OTLP/HTTP specification: connection failures, timeouts, 429, 502, 503,
// 504 (honouring Retry-After). Any other answer is final: a batch the receiver called malformed would
// be refused forever.
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { JsonMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { AggregationTemporality, InstrumentType, type PushMetricExporter, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { Agent, request } from "undici";
import type { Logger } from "../log";

export interface RetainingExporterOptions {
  /** Full URL, e.g. http://127.0.0.1:4318/v1/metrics. */
  url: string;
  /** Deadline of one attempt (connect, send, answer). */
  attemptTimeoutMs: number;
  /** Batches older than this are dropped (default 10 min: inside the control plane's 15 min digest window). */
  maxAgeMs?: number;
  /** At most this many batches wait (default 120). */
  maxBatches?: number;
  /** At most this many bytes wait (default 8 MiB). */
  maxBytes?: number;
  log: Logger;
  now?: () => number;
}

interface Batch {
  body: Uint8Array;
  createdAt: number;
  attempts: number;
  delivered: boolean;
  lastError?: Error;
}

type Attempt = { kind: "delivered"; rejectedPoints: number; message?: string } | { kind: "final"; status: number; message: string } | { kind: "retry"; error: Error; retryAfterMs?: number };

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const DEFAULT_MAX_AGE_MS = 10 * 60_000;
const DEFAULT_MAX_BATCHES = 120;
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
/** A Retry-After longer than this is taken as this (a receiver must not silence a sidecar for hours). */
const MAX_RETRY_AFTER_MS = 60_000;

export interface RetainingExporterStats {
  /** Batches waiting for a later attempt. */
  backlog: number;
  backlogBytes: number;
  delivered: number;
  /** Batches given up: too old, over the bounds, refused as final, or left at shutdown. */
  dropped: number;
}

export class RetainingOtlpExporter implements PushMetricExporter {
  private readonly queue: Batch[] = [];
  private queuedBytes = 0;
  private running: Promise<void> | undefined;
  private notBefore = 0;
  private failing = false;
  private stopped = false;
  private delivered = 0;
  private dropped = 0;
  private readonly agent = new Agent({ connections: 1, keepAliveTimeout: 30_000 });
  private readonly now: () => number;
  private readonly maxAgeMs: number;
  private readonly maxBatches: number;
  private readonly maxBytes: number;

  constructor(private readonly o: RetainingExporterOptions) {
    this.now = o.now ?? Date.now;
    this.maxAgeMs = o.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.maxBatches = o.maxBatches ?? DEFAULT_MAX_BATCHES;
    this.maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  stats(): RetainingExporterStats {
    return { backlog: this.queue.length, backlogBytes: this.queuedBytes, delivered: this.delivered, dropped: this.dropped };
  }

  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    if (this.stopped) {
      done({ code: ExportResultCode.FAILED, error: new Error("the exporter is shut down") });
      return;
    }
    const body = JsonMetricsSerializer.serializeRequest(metrics);
    if (!body) {
      done({ code: ExportResultCode.FAILED, error: new Error("the metrics could not be serialised") });
      return;
    }
    const batch: Batch = { body, createdAt: this.now(), attempts: 0, delivered: false };
    this.queue.push(batch);
    this.queuedBytes += body.byteLength;
    this.enforceBounds();
    void this.deliver().then(() => {
      if (batch.delivered) done({ code: ExportResultCode.SUCCESS });
      else done({ code: ExportResultCode.FAILED, error: batch.lastError ?? new Error("kept for the next export") });
    });
  }

  /** DELTA for counters, histograms and gauges; CUMULATIVE for up-down counters (the SDK's DELTA preference). */
  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return type === InstrumentType.UP_DOWN_COUNTER || type === InstrumentType.OBSERVABLE_UP_DOWN_COUNTER ? AggregationTemporality.CUMULATIVE : AggregationTemporality.DELTA;
  }

  /** Waits for the attempt in progress (a flush does not wait out a down receiver beyond that). */
  async forceFlush(): Promise<void> {
    await this.running;
  }

  async shutdown(): Promise<void> {
    await this.running;
    this.stopped = true;
    if (this.queue.length > 0) {
      this.o.log.warn("telemetry_backlog_dropped", { batches: this.queue.length, reason: "shutdown" });
      this.dropped += this.queue.length;
      this.queue.length = 0;
      this.queuedBytes = 0;
    }
    await this.agent.close();
  }

  /** One drain at a time; an export that arrives during a drain runs its own drain after it. */
  private async deliver(): Promise<void> {
    while (this.running) await this.running;
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
    await this.running;
  }

  private async drain(): Promise<void> {
    this.enforceBounds();
    const start = this.now();
    const waiting = this.queue.length;
    while (this.queue.length > 0 && !this.stopped && this.now() >= this.notBefore) {
      const batch = this.queue[0]!;
      batch.attempts++;
      const result = await this.attempt(batch.body);
      if (result.kind === "retry") {
        batch.lastError = result.error;
        this.notBefore = result.retryAfterMs ? this.now() + result.retryAfterMs : 0;
        if (!this.failing) this.o.log.warn("telemetry_export_failed", { error: result.error.message, backlog: this.queue.length, retryAfterMs: result.retryAfterMs });
        this.failing = true;
        return;
      }
      this.queue.shift();
      this.queuedBytes -= batch.body.byteLength;
      if (result.kind === "final") {
        batch.lastError = new Error(`the receiver refused the export: ${result.status} ${result.message}`);
        this.dropped++;
        this.o.log.warn("telemetry_export_refused", { status: result.status, message: result.message });
        continue;
      }
      batch.delivered = true;
      this.delivered++;
      if (result.rejectedPoints > 0) this.o.log.warn("telemetry_export_partial", { rejectedPoints: result.rejectedPoints, message: result.message });
    }
    if (this.failing && this.queue.length === 0) {
      this.failing = false;
      this.o.log.info("telemetry_export_recovered", { batches: waiting, tookMs: this.now() - start });
    }
  }

  private async attempt(body: Uint8Array): Promise<Attempt> {
    try {
      const res = await request(this.o.url, {
        method: "POST",
        dispatcher: this.agent,
        headers: { "content-type": "application/json", "user-agent": "trellis-sidecar" },
        body,
        signal: AbortSignal.timeout(this.o.attemptTimeoutMs),
      });
      const text = await res.body.text();
      if (res.statusCode >= 200 && res.statusCode < 300) {
        let rejectedPoints = 0;
        let message: string | undefined;
        try {
          const parsed = JsonMetricsSerializer.deserializeResponse(Buffer.from(text)) as { partialSuccess?: { rejectedDataPoints?: number | string; errorMessage?: string } };
          rejectedPoints = Number(parsed.partialSuccess?.rejectedDataPoints ?? 0);
          message = parsed.partialSuccess?.errorMessage;
        } catch {
          // An empty or non-JSON 2xx body is a full success.
        }
        return { kind: "delivered", rejectedPoints, message };
      }
      const message = text.slice(0, 500);
      if (RETRYABLE_STATUS.has(res.statusCode)) {
        return { kind: "retry", error: new Error(`${res.statusCode} ${message}`), retryAfterMs: retryAfterMs(res.headers["retry-after"], this.now()) };
      }
      return { kind: "final", status: res.statusCode, message };
    } catch (error) {
      return { kind: "retry", error: error instanceof Error ? error : new Error(String(error)) };
    }
  }

  /** Drops the oldest batches past the age, count and byte bounds. */
  private enforceBounds(): void {
    const now = this.now();
    let dropped = 0;
    while (this.queue.length > 1 && (now - this.queue[0]!.createdAt > this.maxAgeMs || this.queue.length > this.maxBatches || this.queuedBytes > this.maxBytes)) {
      const batch = this.queue.shift()!;
      this.queuedBytes -= batch.body.byteLength;
      batch.lastError = new Error("dropped from the backlog (too old or over its bounds)");
      dropped++;
    }
    if (dropped > 0) {
      this.dropped += dropped;
      this.o.log.warn("telemetry_backlog_dropped", { batches: dropped, reason: "bounds", maxAgeMs: this.maxAgeMs, maxBatches: this.maxBatches, maxBytes: this.maxBytes });
    }
  }
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, nowMs: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - nowMs;
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
