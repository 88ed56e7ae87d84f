// A counting relay in front of the control plane's OTLP/HTTP receiver, run as its own process (the
// exporters under test talk to it as they would to a load balancer): every export is forwarded on a
// fresh connection and answered with what the control plane answered — 503 when nothing listens (the
// control plane is down), 502 when the connection broke after the export was sent (killed mid-export:
// it may or may not have been stored). Each attempt, and each distinct body once, is appended to the
// --record file as a JSON line, so a test knows exactly which exports were acknowledged with a 200.
//   node --import tsx test/resilience/otlp-counting-relay.ts --target http://127.0.0.1:4318 --record /tmp/x.ndjson
import { createHash } from "node:crypto";
import { appendFileSync } from "node:fs";
import { createServer, request, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";

export interface AttemptRecord {
  kind: "attempt";
  digest: string;
  /** The n-th time this body arrived (1 = the first; more are the exporter's retries). */
  attempt: number;
  startMs: number;
  endMs: number;
  /** The control plane's status, or 503 (nothing listening) / 502 (connection broke after sending). */
  status: number;
  /**
   * answered: the control plane answered; refused: it was not listening (not stored); cut: the
   * connection broke once the export was sent (stored or not).
   */
  result: "answered" | "refused" | "cut";
  /** Whether the exporter got the answer (false when it had given up first). */
  delivered: boolean;
}

export interface BodyRecord {
  kind: "body";
  digest: string;
  path: string;
  /** The OTLP/JSON export request. */
  body: unknown;
}

export type RelayRecord = AttemptRecord | BodyRecord;

const { values } = parseArgs({ options: { target: { type: "string" }, record: { type: "string" }, port: { type: "string", default: "0" } } });
if (!values.target || !values.record) throw new Error("--target and --record are required");
const target = new URL(values.target);
const recordFile = values.record;
const attempts = new Map<string, number>();
let inFlight = 0;

const write = (r: RelayRecord) => appendFileSync(recordFile, `${JSON.stringify(r)}\n`);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

interface Upstream {
  status: number;
  result: AttemptRecord["result"];
  headers: Record<string, string>;
  body: Buffer;
}

/** One forward on a new connection, so a dead control plane's old sockets never blur the outcome. */
function forward(req: IncomingMessage, body: Buffer): Promise<Upstream> {
  return new Promise((resolve) => {
    let sent = false;
    const headers: Record<string, string> = {};
    for (const name of ["content-type", "content-encoding"]) {
      const v = req.headers[name];
      if (typeof v === "string") headers[name] = v;
    }
    const out = request(
      { host: target.hostname, port: target.port, path: req.url, method: "POST", agent: false, headers: { ...headers, "content-length": String(body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const pass: Record<string, string> = {};
          for (const name of ["content-type", "retry-after"]) {
            const v = res.headers[name];
            if (typeof v === "string") pass[name] = v;
          }
          resolve({ status: res.statusCode ?? 502, result: "answered", headers: pass, body: Buffer.concat(chunks) });
        });
        res.on("error", () => resolve({ status: 502, result: "cut", headers: {}, body: Buffer.from("cut") }));
      },
    );
    out.on("error", (err: Error & { code?: string }) => {
      const refused = !sent && (err.code === "ECONNREFUSED" || err.code === "ECONNRESET");
      resolve(refused ? { status: 503, result: "refused", headers: {}, body: Buffer.from("control plane not listening") } : { status: 502, result: "cut", headers: {}, body: Buffer.from(`cut: ${err.message}`) });
    });
    out.end(body, () => {
      sent = true;
    });
  });
}

function decode(req: IncomingMessage, raw: Buffer): unknown {
  const text = (req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    return { unparsed: text.slice(0, 200) };
  }
}

const server = createServer(async (req, res) => {
  // The test asks whether the relay is idle before it reads the record.
  if (req.method === "GET" && req.url === "/in-flight") return void res.end(JSON.stringify({ inFlight }));
  inFlight++;
  const startMs = Date.now();
  let clientGone = false;
  res.on("close", () => {
    if (!res.writableFinished) clientGone = true;
  });
  try {
    const body = await readBody(req);
    const digest = createHash("sha256").update(req.url ?? "").update(body).digest("hex");
    const attempt = (attempts.get(digest) ?? 0) + 1;
    attempts.set(digest, attempt);
    if (attempt === 1) write({ kind: "body", digest, path: req.url ?? "", body: decode(req, body) });
    const up = await forward(req, body);
    const delivered = !clientGone && !res.destroyed;
    if (delivered) res.writeHead(up.status, up.headers).end(up.body);
    write({ kind: "attempt", digest, attempt, startMs, endMs: Date.now(), status: up.status, result: up.result, delivered });
  } catch {
    if (!res.headersSent) res.writeHead(400).end();
  } finally {
    inFlight--;
  }
});
// Exporters keep their connection to the relay (which never goes down) as long as they like.
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ time: new Date().toISOString(), level: "info", event: "listening", port }));
});
