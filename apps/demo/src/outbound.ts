// Calls another service of the mesh, always through this process's own sidecar: the request goes to
// the sidecar's outbound listener with `Host: <service>`, and the sidecar picks the endpoint.
import http from "node:http";

const MAX_BODY_BYTES = 1 << 20;

export type CallResult =
  | { kind: "response"; status: number; body: unknown }
  | { kind: "failure"; reason: string };

export interface CallOptions {
  requestId?: string;
}

export interface OutboundClient {
  call(service: string, path: string, opts?: CallOptions): Promise<CallResult>;
  close(): void;
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (!contentType?.includes("json")) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export function createOutboundClient(outbound: string, timeoutMs: number): OutboundClient {
  const base = new URL(outbound);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const call = (service: string, path: string, opts: CallOptions = {}) =>
    new Promise<CallResult>((resolve) => {
      const headers: Record<string, string> = { host: service, accept: "application/json" };
      if (opts.requestId) headers["x-request-id"] = opts.requestId;
      const req = http.request(
        { host: base.hostname, port: base.port || 80, path, method: "GET", agent, headers, signal: AbortSignal.timeout(timeoutMs) },
        (res) => {
          let size = 0;
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_BODY_BYTES) chunks.push(chunk);
          });
          res.on("error", (err) => resolve({ kind: "failure", reason: err.message }));
          res.on("end", () => {
            const raw = Buffer.concat(chunks).toString("utf8");
            resolve({ kind: "response", status: res.statusCode ?? 0, body: parseBody(raw, res.headers["content-type"]) });
          });
        },
      );
      req.on("error", (err) => {
        const timedOut = err.name === "AbortError" || err.name === "TimeoutError";
        resolve({ kind: "failure", reason: timedOut ? `no answer from ${service} within ${timeoutMs} ms` : `${service}: ${err.message}` });
      });
      req.end();
    });
  return { call, close: () => agent.destroy() };
}

/** One line on why a call did not give a usable answer, for error bodies and logs. */
export function describeFailure(service: string, result: CallResult): string {
  return result.kind === "failure" ? result.reason : `${service} answered ${result.status}`;
}
