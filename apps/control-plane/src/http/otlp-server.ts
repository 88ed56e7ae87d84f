// The OTLP/HTTP receiver, on its own port: POST /v1/metrics and /v1/traces, protobuf or JSON, plain
// or gzip. Answers follow the OTLP/HTTP spec: the response message (with partial success) in the
// request's encoding, and for errors a google.rpc.Status, protobuf-encoded for protobuf requests.
import { randomUUID } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { z } from "zod";
import { InvalidRequestError, NotFoundError, RETRY_AFTER_SECONDS } from "../errors";
import type { Admitted } from "../ingest/export-admission";
import { exportDigest } from "../ingest/export-digests";
import type { IngestService } from "../ingest/ingest-service";
import { isGzipEncoded, otlpFormatOf, readBody, type OtlpFormat } from "../ingest/otlp-body";
import {
  decodeMetricsRequest,
  decodeTracesRequest,
  encodeMetricsResponse,
  encodeStatus,
  encodeTracesResponse,
  type PartialSuccess,
} from "../ingest/otlp-proto";
import type { Logger } from "../log";
import { HTTP_STATUS, toTrellisError } from "./error-status";
import { clientErrorHandler, frameworkErrorResponse, type ErrorRenderer } from "./framework-errors";

export interface OtlpServerDeps {
  ingest: IngestService;
  /** Largest body accepted, after decompression. */
  maxBodyBytes: number;
  log: Logger;
}

/** What our body parser hands the routes. */
const ZOtlpBody = z.object({ bytes: z.instanceof(Buffer) });

/** google.rpc.Code for each HTTP status we answer. */
const RPC_CODE: Record<number, number> = { 400: 3, 404: 5, 408: 4, 413: 8, 415: 3, 429: 8, 431: 8, 500: 13, 503: 14 };

/** Before a request is parsed its encoding is unknown: such errors are answered in JSON. */
const renderStatusJson: ErrorRenderer = (status, _code, message) => ({
  contentType: "application/json",
  body: Buffer.from(JSON.stringify({ code: RPC_CODE[status] ?? 3, message })),
});

function formatOf(request: FastifyRequest): OtlpFormat {
  try {
    return otlpFormatOf(request.headers["content-type"]);
  } catch {
    return "json";
  }
}

function decodeExport(kind: "metrics" | "traces", format: OtlpFormat, bytes: Buffer): unknown {
  try {
    if (format === "json") return JSON.parse(bytes.toString("utf8"));
    return kind === "metrics" ? decodeMetricsRequest(bytes) : decodeTracesRequest(bytes);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new InvalidRequestError("body", `cannot decode the ${format === "json" ? "JSON" : "protobuf"} ${kind} export: ${reason}`);
  }
}

function respond(reply: FastifyReply, kind: "metrics" | "traces", format: OtlpFormat, partial: PartialSuccess | undefined) {
  if (format === "protobuf") {
    const bytes = kind === "metrics" ? encodeMetricsResponse(partial) : encodeTracesResponse(partial);
    return reply.type("application/x-protobuf").send(Buffer.from(bytes));
  }
  if (!partial) return reply.type("application/json").send({});
  const count = kind === "metrics" ? { rejectedDataPoints: partial.rejected } : { rejectedSpans: partial.rejected };
  return reply.type("application/json").send({ partialSuccess: { ...count, errorMessage: partial.errorMessage } });
}

export function buildOtlpServer(deps: OtlpServerDeps): FastifyInstance {
  /** The export slot each request in flight holds (see the body parser). */
  const slots = new WeakMap<object, Admitted>();
  const release = (raw: object) => {
    slots.get(raw)?.();
    slots.delete(raw);
  };

  const app = Fastify({
    logger: false,
    requestIdHeader: "x-request-id",
    genReqId: () => randomUUID(),
    frameworkErrors: (error, _request, reply) => {
      const { status, contentType, body } = frameworkErrorResponse(renderStatusJson, error);
      // Written raw: Fastify's reply types are generic over route schemas this hook does not have.
      reply.hijack();
      reply.raw.writeHead(status, { "content-type": contentType, "content-length": body.length }).end(body);
    },
    clientErrorHandler: clientErrorHandler(renderStatusJson),
  });

  // One parser for every media type: it refuses what OTLP does not allow before reading a byte,
  // and reads the rest under the size limit (after decompression).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (request, payload, done) => {
    try {
      otlpFormatOf(request.headers["content-type"]);
      const gzip = isGzipEncoded(request.headers["content-encoding"]);
      // The export's slot is taken before a byte is read, counting the bytes it declares: under overload
      // the excess is refused for the price of its headers, never read, inflated or decoded. Once read,
      // its inflated size is counted against the byte budget before it is decoded. The route (or the
      // answer) frees it.
      const length = Number(request.headers["content-length"]);
      const declaredLength = Number.isFinite(length) && length >= 0 ? length : undefined;
      const slot = deps.ingest.admit(Math.min(declaredLength ?? 0, deps.maxBodyBytes));
      slots.set(request.raw, slot);
      readBody(payload, { gzip, limitBytes: deps.maxBodyBytes, declaredLength }).then(
        (bytes) => {
          try {
            slot.grow(bytes.length);
          } catch (err) {
            slots.delete(request.raw);
            return done(err instanceof Error ? err : new Error(String(err)));
          }
          done(null, { bytes });
        },
        (err: Error) => {
          release(request.raw);
          done(err);
        },
      );
    } catch (err) {
      payload.resume(); // discard the unread body, so that the client reads our answer
      done(err instanceof Error ? err : new Error(String(err)));
    }
  });
  // Whatever happened to the request, its slot is free once it is answered.
  app.addHook("onResponse", async (request) => release(request.raw));

  app.setErrorHandler((err, request, reply) => {
    const error = toTrellisError(err);
    const status = HTTP_STATUS[error.code];
    if (status >= 500) deps.log.error("otlp_request_failed", { reqId: request.id, url: request.url, err });
    else deps.log.debug("otlp_request_refused", { reqId: request.id, url: request.url, status, message: error.message });
    const code = RPC_CODE[status] ?? 2;
    if (status === 413) void reply.header("connection", "close");
    // 429 (shed) and 503 (store failing) are the retryable answers of OTLP/HTTP.
    if (status === 429 || status === 503) void reply.header("retry-after", String(RETRY_AFTER_SECONDS));
    if (formatOf(request) === "protobuf") void reply.status(status).type("application/x-protobuf").send(Buffer.from(encodeStatus(code, error.message)));
    else void reply.status(status).type("application/json").send({ code, message: error.message });
  });
  app.setNotFoundHandler((request) => {
    throw new NotFoundError(`no OTLP route for ${request.method} ${request.url.split("?")[0]}; use POST /v1/metrics or /v1/traces`);
  });

  for (const kind of ["metrics", "traces"] as const) {
    app.post(`/v1/${kind}`, async (request, reply) => {
      const format = otlpFormatOf(request.headers["content-type"]);
      // A bodiless request never reaches the parser, so it takes its slot here.
      if (!slots.has(request.raw)) slots.set(request.raw, deps.ingest.admit());
      let partial: PartialSuccess | undefined;
      try {
        const bytes = request.body === undefined ? Buffer.alloc(0) : ZOtlpBody.parse(request.body).bytes;
        // Decoded and handed over in one expression: the decoded export is not held while the write is awaited.
        partial = await (kind === "metrics" ? deps.ingest.metrics(decodeExport(kind, format, bytes), true, exportDigest(bytes)) : deps.ingest.traces(decodeExport(kind, format, bytes), true));
      } finally {
        release(request.raw);
      }
      if (partial) deps.log.debug("otlp_partial_success", { reqId: request.id, kind, rejected: partial.rejected, message: partial.errorMessage });
      return respond(reply, kind, format, partial);
    });
  }
  return app;
}
