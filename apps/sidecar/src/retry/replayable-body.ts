// Request bodies for retries: a body of at most `cap` bytes is read into memory so that it can be
// sent again; a larger one (by content-length, or found while reading) streams on and is not retried.
import { Readable } from "node:stream";
import type { HeaderMap } from "../http/proxy-types";

/** Envoy's and Linkerd's order of magnitude: enough for API calls, small enough to hold per request. */
export const MAX_RETRY_BODY = 64 * 1024;

export type ReplayableBody = { kind: "buffered"; bytes: Buffer } | { kind: "streaming"; body: Readable };

export async function bufferForRetry(body: Readable, headers: HeaderMap, cap: number = MAX_RETRY_BODY): Promise<ReplayableBody> {
  const declared = headers["content-length"];
  if (typeof declared === "string" && Number(declared) > cap) return { kind: "streaming", body };
  const read = await readUpTo(body, cap);
  if (read.complete) return { kind: "buffered", bytes: read.chunks.length === 1 ? read.chunks[0]! : Buffer.concat(read.chunks) };
  return { kind: "streaming", body: Readable.from(prefixThenRest(read.chunks, body), { objectMode: false }) };
}

function readUpTo(body: Readable, cap: number): Promise<{ chunks: Buffer[]; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onError);
      body.off("close", onClose);
    };
    const onData = (chunk: Buffer | string) => {
      const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      chunks.push(b);
      size += b.length;
      if (size > cap) {
        body.pause();
        cleanup();
        resolve({ chunks, complete: false });
      }
    };
    const onEnd = () => {
      cleanup();
      resolve({ chunks, complete: true });
    };
    const onError = (err: unknown) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(new Error("the request body ended early (the caller went away)"));
    };
    body.on("data", onData);
    body.on("end", onEnd);
    body.on("error", onError);
    body.on("close", onClose);
  });
}

async function* prefixThenRest(prefix: readonly Buffer[], rest: Readable): AsyncGenerator<Buffer> {
  yield* prefix;
  for await (const chunk of rest) yield chunk as Buffer;
}
