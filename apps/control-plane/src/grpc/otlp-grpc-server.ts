// The OTLP/gRPC receiver: opentelemetry.proto.collector.{metrics,trace}.v1.{Metrics,Trace}Service/Export.
// @grpc/proto-loader reads the services from the vendored .proto files; the messages themselves are
// decoded and encoded by the same protobufjs codec as OTLP/HTTP (ingest/otlp-proto.ts), in the handler,
// so that undecodable bytes are INVALID_ARGUMENT (grpc-js would answer INTERNAL for a failing
// deserializer) and the answer carries partial_success (the vendored responses predate it).
import path from "node:path";
import { Server, ServerCredentials, type ServerUnaryCall, type ServiceDefinition, type sendUnaryData } from "@grpc/grpc-js";
import { loadSync, type PackageDefinition } from "@grpc/proto-loader";
import { InvalidRequestError } from "../errors";
import { exportDigest } from "../ingest/export-digests";
import type { IngestService } from "../ingest/ingest-service";
import { decodeMetricsRequest, decodeTracesRequest, encodeMetricsResponse, encodeTracesResponse } from "../ingest/otlp-proto";
import type { Logger } from "../log";
import { toGrpcError } from "./grpc-status";

const PROTO_DIR = path.resolve(import.meta.dirname, "../../proto");
const SERVICES = {
  metrics: { file: "opentelemetry/proto/collector/metrics/v1/metrics_service.proto", name: "opentelemetry.proto.collector.metrics.v1.MetricsService" },
  traces: { file: "opentelemetry/proto/collector/trace/v1/trace_service.proto", name: "opentelemetry.proto.collector.trace.v1.TraceService" },
} as const;
type Kind = keyof typeof SERVICES;

/** How long close() lets calls in flight finish before cutting them. */
const SHUTDOWN_GRACE_MS = 5_000;

export interface OtlpGrpcServerDeps {
  ingest: IngestService;
  /** Largest message accepted (grpc-js refuses bigger ones with RESOURCE_EXHAUSTED). */
  maxMessageBytes: number;
  log: Logger;
}

export interface OtlpGrpcServer {
  port: number;
  close(): Promise<void>;
}

/** The Export method's path as the vendored service definition names it. */
function exportPath(definitions: PackageDefinition, service: string): string {
  const definition = definitions[service];
  if (!definition || "format" in definition || !definition.Export) throw new Error(`${service}/Export is missing from the vendored .proto files`);
  return definition.Export.path;
}

const same = (bytes: Buffer): Buffer => bytes;

/** A unary Export whose request and response stay bytes: the handler does the (de)coding. */
function rawExport(path: string): ServiceDefinition {
  return {
    Export: { path, requestStream: false, responseStream: false, requestSerialize: same, requestDeserialize: same, responseSerialize: same, responseDeserialize: same },
  };
}

function decode(kind: Kind, bytes: Buffer): unknown {
  try {
    return kind === "metrics" ? decodeMetricsRequest(bytes) : decodeTracesRequest(bytes);
  } catch (err) {
    throw new InvalidRequestError("body", `cannot decode the protobuf ${kind} export: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function startOtlpGrpcServer(deps: OtlpGrpcServerDeps, host: string, port: number): Promise<OtlpGrpcServer> {
  const definitions = loadSync(
    Object.values(SERVICES).map((s) => s.file),
    { includeDirs: [PROTO_DIR] },
  );
  const server = new Server({ "grpc.max_receive_message_length": deps.maxMessageBytes });

  for (const kind of ["metrics", "traces"] as const) {
    const handle = async (bytes: Buffer): Promise<Buffer> => {
      // A slot before decoding: an export past the limit is refused (RESOURCE_EXHAUSTED, or UNAVAILABLE
      // while the store fails, with RetryInfo) without spending CPU on it. grpc-js has read the message
      // already, bounded by maxMessageBytes; its size counts against the byte budget.
      const leave = deps.ingest.admit(bytes.length);
      let partial;
      try {
        // Decoded and handed over in one expression: the decoded export is not held while the write is awaited.
        partial = await (kind === "metrics" ? deps.ingest.metrics(decode(kind, bytes), true, exportDigest(bytes)) : deps.ingest.traces(decode(kind, bytes), true));
      } finally {
        leave();
      }
      if (partial) deps.log.debug("otlp_partial_success", { transport: "grpc", kind, rejected: partial.rejected, message: partial.errorMessage });
      return Buffer.from(kind === "metrics" ? encodeMetricsResponse(partial) : encodeTracesResponse(partial));
    };
    server.addService(rawExport(exportPath(definitions, SERVICES[kind].name)), {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        handle(call.request).then(
          (response) => callback(null, response),
          (err: unknown) => {
            const { error, internal } = toGrpcError(err);
            if (internal) deps.log.error("otlp_grpc_request_failed", { kind, err });
            else deps.log.debug("otlp_grpc_request_refused", { kind, code: error.code, message: error.message });
            callback(error);
          },
        );
      },
    });
  }

  const address = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const boundPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );

  let closing: Promise<void> | undefined;
  return {
    port: boundPort,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      })),
  };
}
