// The OTLP protobuf codec: protobufjs loads the official .proto files (../../proto) once, decodes
// export requests (metrics also straight from the bytes, metrics-wire-reader.ts), and encodes our
// responses and errors.
import path from "node:path";
import protobuf from "protobufjs";
import { readMetricsExport, type WireMetrics } from "./metrics-wire-reader";

const PROTO_DIR = path.resolve(import.meta.dirname, "../../proto");

const FILES = [
  "opentelemetry/proto/collector/metrics/v1/metrics_service.proto",
  "opentelemetry/proto/collector/trace/v1/trace_service.proto",
  "trellis/otlp-http-responses.proto",
];

interface Codec {
  metricsRequest: protobuf.Type;
  tracesRequest: protobuf.Type;
  metricsResponse: protobuf.Type;
  tracesResponse: protobuf.Type;
  status: protobuf.Type;
  retryInfo: protobuf.Type;
}

let codec: Codec | undefined;

function load(): Codec {
  if (codec) return codec;
  const root = new protobuf.Root();
  // Imports in the .proto files are relative to the proto root.
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_DIR, target));
  root.loadSync(FILES, { keepCase: false });
  codec = {
    metricsRequest: root.lookupType("opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest"),
    tracesRequest: root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest"),
    metricsResponse: root.lookupType("trellis.otlp.ExportMetricsServiceResponse"),
    tracesResponse: root.lookupType("trellis.otlp.ExportTraceServiceResponse"),
    status: root.lookupType("trellis.otlp.Status"),
    retryInfo: root.lookupType("trellis.otlp.RetryInfo"),
  };
  return codec;
}

/** Loads the .proto files now, so that a broken install fails at startup rather than on the first export. */
export function preloadOtlpProto(): void {
  load();
}

/**
 * The plain-object form of a decoded message, shaped like OTLP/JSON: field names in lowerCamelCase;
 * 64-bit integers as decimal strings; enums as numbers; bytes stay Uint8Array (the normaliser
 * hex-encodes them); absent fields stay absent.
 */
export const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, defaults: false, arrays: true };

/**
 * A metrics export as protobufjs decodes it (the standard, reflective decoder): message objects, read
 * as such by message-metrics.ts (turning them into plain objects first cost more than the decoding
 * itself). Throws on bytes that are not a valid encoding of the message.
 */
export const decodeMetricsMessage = (bytes: Uint8Array): protobuf.Message => load().metricsRequest.decode(bytes);

/**
 * A metrics export for normaliseMetrics(): read straight from the bytes when it has the plain shape
 * nearly every exporter sends (metrics-wire-reader.ts), else decoded by protobufjs. Throws on bytes
 * that are not a valid encoding of the message.
 */
export const decodeMetricsRequest = (bytes: Uint8Array): WireMetrics | protobuf.Message => readMetricsExport(bytes) ?? decodeMetricsMessage(bytes);

/** Traces as plain objects (they are only validated and counted). */
export function decodeTracesRequest(bytes: Uint8Array): unknown {
  const { tracesRequest } = load();
  return tracesRequest.toObject(tracesRequest.decode(bytes), TO_OBJECT);
}

/** The plain OTLP/JSON-like form of a message decoded by this codec (for the general, zod-checked path). */
export function messageToObject(message: protobuf.Message): Record<string, unknown> {
  return message.$type.toObject(message, TO_OBJECT);
}

export interface PartialSuccess {
  rejected: number;
  errorMessage: string;
}

export function encodeMetricsResponse(partial: PartialSuccess | undefined): Uint8Array {
  const { metricsResponse } = load();
  const body = partial ? { partialSuccess: { rejectedDataPoints: partial.rejected, errorMessage: partial.errorMessage } } : {};
  return metricsResponse.encode(metricsResponse.fromObject(body)).finish();
}

export function encodeTracesResponse(partial: PartialSuccess | undefined): Uint8Array {
  const { tracesResponse } = load();
  const body = partial ? { partialSuccess: { rejectedSpans: partial.rejected, errorMessage: partial.errorMessage } } : {};
  return tracesResponse.encode(tracesResponse.fromObject(body)).finish();
}

const RETRY_INFO_TYPE_URL = "type.googleapis.com/google.rpc.RetryInfo";

/**
 * A google.rpc.Status: the body of every OTLP/HTTP error response, and the `grpc-status-details-bin`
 * of OTLP/gRPC errors, where a RetryInfo detail tells the client that (and when) it may retry.
 */
export function encodeStatus(code: number, message: string, retryDelaySeconds?: number): Uint8Array {
  const { status, retryInfo } = load();
  const details =
    retryDelaySeconds === undefined
      ? []
      : [{ typeUrl: RETRY_INFO_TYPE_URL, value: retryInfo.encode(retryInfo.fromObject({ retryDelay: { seconds: retryDelaySeconds } })).finish() }];
  return status.encode(status.fromObject({ code, message, details })).finish();
}

/** For tests and tools: encode a request given in OTLP/JSON-like object form. */
export function encodeMetricsRequest(object: Record<string, unknown>): Uint8Array {
  const { metricsRequest } = load();
  return metricsRequest.encode(metricsRequest.fromObject(object)).finish();
}

export function encodeTracesRequest(object: Record<string, unknown>): Uint8Array {
  const { tracesRequest } = load();
  return tracesRequest.encode(tracesRequest.fromObject(object)).finish();
}

export function decodeStatus(bytes: Uint8Array): { code: number; message: string; retryDelaySeconds?: number } {
  const { status, retryInfo } = load();
  const decoded = status.decode(bytes);
  const object = status.toObject(decoded, { defaults: true });
  const result: { code: number; message: string; retryDelaySeconds?: number } = { code: Number(object.code), message: String(object.message) };
  const details: unknown = object.details;
  if (Array.isArray(details)) {
    for (const d of details) {
      if (typeof d === "object" && d !== null && "typeUrl" in d && d.typeUrl === RETRY_INFO_TYPE_URL && "value" in d && d.value instanceof Uint8Array) {
        const info = retryInfo.toObject(retryInfo.decode(d.value), { longs: Number, defaults: true });
        const delay: unknown = info.retryDelay;
        if (typeof delay === "object" && delay !== null && "seconds" in delay) result.retryDelaySeconds = Number(delay.seconds);
      }
    }
  }
  return result;
}

export function decodeMetricsResponse(bytes: Uint8Array): unknown {
  const { metricsResponse } = load();
  return metricsResponse.toObject(metricsResponse.decode(bytes), { longs: Number, defaults: false });
}

export function decodeTracesResponse(bytes: Uint8Array): unknown {
  const { tracesResponse } = load();
  return tracesResponse.toObject(tracesResponse.decode(bytes), { longs: Number, defaults: false });
}
