// What the sidecar benchmark (run.mjs) and its CPU A/B (ab-cpu.mjs) set up the same way: tools and
// free ports, a real control plane with a throwaway admin token, the every-feature policy, and the
// sidecar bundled as production runs it.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { request } from "undici";
import { runPinned, startPinned } from "./processes.mjs";

export const ROOT = path.resolve(import.meta.dirname, "../..");

/** The sidecar's own V8 flags, as the CLI and the Dockerfile start it. */
export const SIDECAR_FLAGS = JSON.parse(readFileSync(path.join(ROOT, "apps/sidecar/node-flags.json"), "utf8")).flags;

/** The path of a tool (Debian puts nginx and haproxy in /usr/sbin, which a user's PATH may lack). */
export function tool(name) {
  try {
    return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
  } catch {
    return `/usr/sbin/${name}`;
  }
}

export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A real control plane (pinned to `core`, fresh SQLite, 1 h leases) and a caller of its API with a throwaway admin token. */
export async function startControlPlane(dir, core, extraArgs = []) {
  const token = `bench-${randomBytes(18).toString("hex")}`;
  const cp = startPinned("control plane", core, process.execPath, [
    "--import", "tsx", "apps/control-plane/src/main.ts",
    "--api-port", "0", "--otlp-http-port", "0", "--otlp-grpc-port", "0",
    "--database-url", `file:${path.join(dir, `cp-${randomBytes(4).toString("hex")}.db`)}`, "--lease-ttl", "1h",
    ...extraArgs,
  ], { cwd: ROOT, env: { TRELLIS_API_TOKEN: token } });
  const listening = await cp.waitForEvent("listening", 120_000);
  const api = `http://127.0.0.1:${listening.apiPort}`;
  const call = async (method, p, body) => {
    const res = await request(`${api}${p}`, { method, headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${method} ${p}: ${res.statusCode} ${text}`);
    return text;
  };
  // A sidecar authenticates to the sidecar API with a join token of its service, as in production.
  const joinToken = async (service) => JSON.parse(await call("POST", "/api/v1/ca/join-tokens", { service })).token;
  return { cp, api, otlp: `http://127.0.0.1:${listening.otlpHttpPort}`, call, joinToken };
}

/** The policy of every Trellis row: every feature on. */
export function everyFeature(service, mtlsMode) {
  return {
    message: "bench: every feature on",
    author: "bench",
    spec: {
      service,
      loadBalancer: { type: "peak-ewma" },
      retry: { attempts: 3, retryOn: ["connect-failure", "reset", "5xx", "gateway-error"], perTryTimeout: "2s", backoff: { base: "25ms", max: "250ms" }, budget: { percent: 20, minConcurrent: 3 } },
      timeout: { request: "10s" },
      circuitBreaker: {
        maxConnections: 256, maxPendingRequests: 1024, maxRequests: 1024,
        outlierDetection: { consecutive5xx: 5, consecutiveGatewayErrors: 5, baseEjectionTime: "30s", maxEjectionTime: "300s", maxEjectionPercent: 50, panicThresholdPercent: 50 },
      },
      healthCheck: { path: "/healthz", interval: "5s", timeout: "1s" },
      mtls: { mode: mtlsMode },
    },
  };
}

/**
 * The sidecar source under `sourceRoot` as one ESM file (esbuild, which tsx already brings): what a
 * production image runs — no loader thread, no transpiling per module at start. Unminified bundles
 * keep one source line per line, so a profile's line numbers map back.
 */
export async function buildSidecarBundle(sourceRoot, out, core, { minify = true } = {}) {
  await runPinned(core, path.join(ROOT, "node_modules", ".bin", "esbuild"), [
    path.join(sourceRoot, "apps/sidecar/src/main.ts"), "--bundle", "--platform=node", "--format=esm", "--target=node20", ...(minify ? ["--minify-whitespace"] : []), `--outfile=${out}`, "--log-level=warning",
    "--banner:js=import { createRequire as __trellisCreateRequire } from 'node:module'; const require = __trellisCreateRequire(import.meta.url);",
  ], 120_000);
  return out;
}
