// Reads an OTLP/HTTP request body: checks its media type and encoding, inflates gzip, and enforces the
// size limit on the bytes after decompression, stopping the inflater as soon as they pass it.
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { InvalidRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from "../errors";

export type OtlpFormat = "protobuf" | "json";

const FORMATS: Record<string, OtlpFormat> = {
  "application/x-protobuf": "protobuf",
  "application/protobuf": "protobuf",
  "application/json": "json",
};

/** The body format from Content-Type (parameters such as charset are ignored). */
export function otlpFormatOf(contentType: string | undefined): OtlpFormat {
  const essence = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  const format = FORMATS[essence];
  if (!format) {
    throw new UnsupportedMediaTypeError(
      `content-type ${JSON.stringify(contentType ?? "")} is not supported; send application/x-protobuf or application/json`,
    );
  }
  return format;
}

/** Whether the body is gzip; other encodings than gzip and identity are refused. */
export function isGzipEncoded(contentEncoding: string | undefined): boolean {
  const encoding = (contentEncoding ?? "identity").trim().toLowerCase();
  if (encoding === "gzip" || encoding === "x-gzip") return true;
  if (encoding === "identity" || encoding === "") return false;
  throw new UnsupportedMediaTypeError(`content-encoding ${JSON.stringify(contentEncoding)} is not supported; send gzip or no encoding`);
}

export interface ReadBodyOptions {
  gzip: boolean;
  limitBytes: number;
  /** Content-Length when the client sent one: a body declared too large is refused unread. */
  declaredLength?: number;
}

/** Collects the (inflated) body, failing with PayloadTooLargeError past the limit and InvalidRequestError on bad gzip. */
export function readBody(source: Readable, options: ReadBodyOptions): Promise<Buffer> {
  const { limitBytes } = options;
  if (options.declaredLength !== undefined && options.declaredLength > limitBytes) {
    return Promise.reject(new PayloadTooLargeError(limitBytes));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let rawBytes = 0;
    let bodyBytes = 0;
    let settled = false;
    const inflater = options.gzip ? createGunzip() : undefined;

    const settle = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      source.off("data", onRaw).off("end", onRawEnd).off("error", onRawError).off("aborted", onAborted);
      inflater?.destroy();
      if (error) {
        // Discard what the client still sends, so that it can read our answer.
        source.resume();
        reject(error);
      } else {
        resolve(Buffer.concat(chunks, bodyBytes));
      }
    };
    const onBody = (chunk: Buffer) => {
      if (settled) return;
      bodyBytes += chunk.length;
      if (bodyBytes > limitBytes) settle(new PayloadTooLargeError(limitBytes));
      else chunks.push(chunk);
    };
    const onRaw = (chunk: Buffer) => {
      rawBytes += chunk.length;
      if (rawBytes > limitBytes) return settle(new PayloadTooLargeError(limitBytes));
      if (!inflater) return onBody(chunk);
      if (!inflater.write(chunk)) {
        source.pause();
        inflater.once("drain", () => {
          if (!settled) source.resume();
        });
      }
    };
    const onRawEnd = () => (inflater ? inflater.end() : settle(undefined));
    const onRawError = (err: Error) => settle(err);
    const onAborted = () => settle(new InvalidRequestError("body", "the client aborted the request"));

    source.on("data", onRaw).on("end", onRawEnd).on("error", onRawError).on("aborted", onAborted);
    inflater?.on("data", onBody);
    inflater?.on("end", () => settle(undefined));
    inflater?.on("error", (err) => settle(new InvalidRequestError("body", `body is not valid gzip: ${err.message}`)));
  });
}
