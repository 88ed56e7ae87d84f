// An open-loop OTLP/HTTP export generator that records, per export, when it was meant to be sent, when
// its body was handed to the kernel, and when it was answered — so a test can tell a receiver that
// queues from a generator that falls behind (the first 10x attempt of scenario 8 waited 26 s per export
// in the test process's own queue: it was writing 2 MB of JSON per export). The bodies are prepared
// ahead (gzip, as OTLP exporters send by default; see otlp-overload.test.ts for distinct bodies made
// cheaply), so sending costs the generator little.
import { Agent, request } from "node:http";

export interface OtlpLoadOptions {
  /** http://host:port of the OTLP/HTTP receiver. */
  url: string;
  path: string;
  /** Exports per second, sent at their intended times whatever the answers. */
  rate: number;
  durationMs: number;
  /** The body of export `i` (each distinct, as real exports are; a receiver may recognise a resent body). */
  body: (i: number) => Buffer;
  headers: Record<string, string>;
  /** Per export, so a hung one cannot hold the run. */
  timeoutMs: number;
}

export interface OtlpExportReply {
  /** When it was meant to be sent, ms from the start. */
  intendedMs: number;
  /** When its whole request had been written to the socket ('finish'), ms from the start. */
  writtenMs?: number;
  answeredMs?: number;
  status?: number;
  retryAfter?: string;
  error?: string;
}

export interface OtlpLoadResult {
  rate: number;
  durationMs: number;
  replies: OtlpExportReply[];
}

export async function runOtlpLoad(o: OtlpLoadOptions): Promise<OtlpLoadResult> {
  // As many sockets as exports wait for answers (bounded by rate × duration): a pool too small would
  // turn the open loop into a client-side queue.
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY, keepAliveMsecs: 1_000 });
  const { hostname, port } = new URL(o.url);
  const total = Math.floor((o.durationMs / 1000) * o.rate);
  const replies: OtlpExportReply[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  const at = () => performance.now() - start;

  const send = (reply: OtlpExportReply, body: Buffer) =>
    new Promise<void>((resolve) => {
      const req = request(
        { host: hostname, port, path: o.path, method: "POST", agent, headers: { ...o.headers, "content-length": String(body.length) }, timeout: o.timeoutMs },
        (res) => {
          reply.status = res.statusCode;
          const retryAfter = res.headers["retry-after"];
          if (retryAfter !== undefined) reply.retryAfter = retryAfter;
          res.resume();
          res.on("end", () => {
            reply.answeredMs = at();
            resolve();
          });
          res.on("error", (err) => {
            reply.error = err.message;
            resolve();
          });
        },
      );
      req.on("finish", () => (reply.writtenMs = at()));
      req.on("timeout", () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
      req.on("error", (err) => {
        reply.error ??= err.message;
        resolve();
      });
      req.end(body);
    });

  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((at() / 1000) * o.rate) + 1);
      while (replies.length < due) {
        const reply: OtlpExportReply = { intendedMs: (replies.length / o.rate) * 1000 };
        pending.push(send(reply, o.body(replies.length)));
        replies.push(reply);
      }
      if (replies.length >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 2);
    tick();
  });
  await Promise.all(pending);
  agent.destroy();
  return { rate: o.rate, durationMs: o.durationMs, replies };
}

/** The q-quantile (0..1) of `values`, NaN when empty. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
