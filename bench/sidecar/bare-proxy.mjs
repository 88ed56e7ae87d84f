// The baseline: a bare Node reverse proxy on node:http + undici with no features at all — round robin
// over the upstreams, hop-by-hop headers stripped, bodies streamed. What the sidecar is measured against.
//   node bench/sidecar/bare-proxy.mjs --port 0 --upstream 127.0.0.1:8081 --upstream 127.0.0.1:8082
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { Pool } from "undici";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.TRELLIS_BENCH_BARE_PORT ?? "0" },
    upstream: { type: "string", multiple: true, default: (process.env.TRELLIS_BENCH_BARE_UPSTREAMS ?? "").split(",").filter(Boolean) },
  },
});
if (values.upstream.length === 0) {
  console.error("usage: bare-proxy.mjs --port <port> --upstream host:port [--upstream host:port ...]");
  process.exit(2);
}

const pools = values.upstream.map((hostPort) => new Pool(`http://${hostPort}`, { connections: 128, keepAliveTimeout: 60_000 }));
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization", "proxy-authenticate"]);
let next = 0;

function strip(headers) {
  const out = {};
  for (const name in headers) if (!HOP_BY_HOP.has(name)) out[name] = headers[name];
  return out;
}

const server = createServer((req, res) => {
  const pool = pools[next];
  next = (next + 1) % pools.length;
  const hasBody = req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined;
  pool.request({ path: req.url, method: req.method, headers: strip(req.headers), body: hasBody ? req : null }).then(
    (up) => {
      res.writeHead(up.statusCode, strip(up.headers));
      up.body.pipe(res);
      up.body.on("error", () => res.destroy());
    },
    () => {
      res.statusCode = 502;
      res.end();
    },
  );
});
server.keepAliveTimeout = 60_000;

server.listen(Number(values.port), "127.0.0.1", () => {
  console.log(JSON.stringify({ time: new Date().toISOString(), level: "info", event: "listening", port: server.address().port }));
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    Promise.all(pools.map((pool) => pool.destroy())).finally(() => process.exit(0));
  });
}
