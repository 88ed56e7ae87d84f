// A closed-loop warm-up that ends gracefully: --connections loops send one request after another for
// --seconds, then stop sending and wait for every request in flight to finish before closing. Unlike
// stopping wrk (which drops its connections with requests in flight), it cuts off no try in the proxy,
// so the proxy's upstream connections stay open for the measurement that follows. Prints one JSON line.
//   node bench/sidecar/settle.mjs --url http://127.0.0.1:8080/ --seconds 2 [--connections 50] [--host name]
import { parseArgs } from "node:util";
import { Pool } from "undici";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    host: { type: "string" },
    seconds: { type: "string", default: "2" },
    connections: { type: "string", default: "50" },
  },
});
if (!values.url) {
  console.error("usage: settle.mjs --url <url> [--host <Host header>] [--seconds 2] [--connections 50]");
  process.exit(2);
}
const target = new URL(values.url);
const connections = Number(values.connections);
const pool = new Pool(target.origin, { connections, keepAliveTimeout: 60_000 });
const headers = values.host ? { host: values.host } : {};
const path = target.pathname + target.search;
const until = performance.now() + Number(values.seconds) * 1000;
let requests = 0;
let errors = 0;
await Promise.all(
  Array.from({ length: connections }, async () => {
    while (performance.now() < until) {
      try {
        const res = await pool.request({ path, method: "GET", headers, headersTimeout: 5_000, bodyTimeout: 5_000 });
        await res.body.dump();
        if (res.statusCode === 200) requests++;
        else errors++;
      } catch {
        errors++;
      }
    }
  }),
);
await pool.close();
console.log(JSON.stringify({ requests, errors }));
