// Shared by the console benchmark and the screenshot script: start our real processes (waiting for
// their JSON "listening"/"ready" line), a generated mesh over OTLP, and Debian's Chromium.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { createInterface } from "node:readline";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const CHROMIUM = "/usr/bin/chromium";
/** The flags of test/e2e/*.browser.test.ts. */
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

const running = new Set();

/**
 * Credentials for a control plane with operator auth: the admin's password and a bootstrap admin
 * token, handed over in env (a control plane without auth ignores them).
 */
export const ADMIN_PASSWORD = process.env.TRELLIS_ADMIN_PASSWORD ?? randomBytes(12).toString("base64url");
export const API_TOKEN = process.env.TRELLIS_API_TOKEN ?? randomBytes(32).toString("base64url");
const AUTH_ENV = { TRELLIS_ADMIN_PASSWORD: ADMIN_PASSWORD, TRELLIS_API_TOKEN: API_TOKEN };

/** fetch of the operator API with the bootstrap token. */
export function apiFetch(url, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${API_TOKEN}`);
  return fetch(url, { signal: AbortSignal.timeout(30_000), ...init, headers });
}

/**
 * Logs the browser context in as admin through the console's login page, as an operator would (the
 * session cookie is the console's). A console without a login page (404) needs nothing.
 */
export async function loginBrowser(context, consoleUrl) {
  const page = await context.newPage();
  try {
    const res = await page.goto(`${consoleUrl}/login`);
    if (res?.status() === 404) return false;
    await page.locator('[data-test="login-username"]').fill("admin");
    await page.locator('[data-test="login-password"]').fill(ADMIN_PASSWORD);
    await page.locator('[data-test="login-submit"]').click();
    await page.waitForURL((url) => url.pathname !== "/login", { timeout: 30_000 });
    return true;
  } finally {
    await page.close();
  }
}

/** Runs a TypeScript (tsx) or .mjs entry of this repo and resolves with its parsed ready line. */
export function startProcess(name, entry, args, { readyEvent = "listening", timeoutMs = 60_000 } = {}) {
  const child = spawn(process.execPath, [...(entry.endsWith(".ts") ? ["--import", "tsx"] : []), path.resolve(ROOT, entry), ...args], {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...AUTH_ENV },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.on("exit", () => running.delete(child));
  const logs = [];
  const keep = (line) => {
    logs.push(line);
    if (logs.length > 200) logs.shift();
  };
  createInterface({ input: child.stderr }).on("line", keep);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} was not ${readyEvent} within ${timeoutMs} ms:\n${logs.slice(-30).join("\n")}`)), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${logs.slice(-30).join("\n")}`));
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      keep(line);
      if (!line.includes(`"${readyEvent}"`)) return;
      try {
        const event = JSON.parse(line);
        if (event.event === readyEvent) {
          clearTimeout(timer);
          resolve({ child, event, logs });
        }
      } catch {
        // not JSON: a banner line
      }
    });
  });
}

/** SIGTERM to everything started here; SIGKILL after 10 s. */
export async function stopAll() {
  await Promise.all([...running].map((child) => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  })));
}

export async function waitFor(what, check, timeoutMs, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const BOUNDS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const str = (key, value) => ({ key, value: { stringValue: value } });
const ns = (ms) => (BigInt(Math.round(ms)) * 1_000_000n).toString();

/**
 * A deterministic mesh of `services` services in call tiers and `edges` distinct edges; about 1 %
 * of edges fail (5xx) and 1 % are slow, so there are problems to open on.
 */
export function generateMesh(services, edges) {
  const name = (i) => `svc-${String(i).padStart(4, "0")}`;
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out = [];
  const seen = new Set();
  for (let i = 1; i < services && out.length < edges; i++) {
    // Everyone is called by someone earlier, so the mesh is connected.
    const a = Math.floor(rnd() * i);
    seen.add(`${a}>${i}`);
    out.push({ source: name(a), target: name(i) });
  }
  while (out.length < edges) {
    const a = Math.floor(rnd() * (services - 1));
    const b = a + 1 + Math.floor(rnd() * Math.min(60, services - a - 1));
    if (seen.has(`${a}>${b}`)) continue;
    seen.add(`${a}>${b}`);
    out.push({ source: name(a), target: name(b) });
  }
  return out.map((e, k) => ({ ...e, failing: k % 100 === 17, slow: k % 100 === 61, requests: 20 + (k % 37) * 5 }));
}

/** One OTLP/JSON export carrying the edges' requests of the last few seconds (delta histograms). */
export function otlpExport(edges, nowMs) {
  const points = edges.map((e) => {
    const buckets = new Array(BOUNDS.length + 1).fill(0);
    const bad = e.failing ? Math.ceil(e.requests * 0.2) : 0;
    buckets[e.slow ? 9 : 4] = e.requests - bad;
    const attrs = (cls, count) => ({
      attributes: [
        str("trellis.source.service", e.source), str("trellis.destination.service", e.target), str("trellis.destination.version", "v1"),
        str("trellis.response.class", cls), str("trellis.outcome", "ok"), { key: "trellis.mtls", value: { boolValue: true } },
      ],
      startTimeUnixNano: ns(nowMs - 10_000), timeUnixNano: ns(nowMs), count: String(count),
    });
    const ok = { ...attrs("2xx", e.requests - bad), sum: (e.requests - bad) * (e.slow ? 800 : 20), bucketCounts: buckets.map(String), explicitBounds: BOUNDS };
    if (bad === 0) return [ok];
    const failBuckets = new Array(BOUNDS.length + 1).fill(0);
    failBuckets[5] = bad;
    return [ok, { ...attrs("5xx", bad), sum: bad * 40, bucketCounts: failBuckets.map(String), explicitBounds: BOUNDS }];
  }).flat();
  return {
    resourceMetrics: [{
      resource: { attributes: [str("service.name", "bench-seed"), str("service.instance.id", "bench-seed-1")] },
      scopeMetrics: [{ scope: { name: "trellis-bench" }, metrics: [{ name: "trellis.request.duration", unit: "ms", histogram: { aggregationTemporality: 1, dataPoints: points } }] }],
    }],
  };
}

/** Sends the mesh to the control plane's OTLP/HTTP receiver in exports of `chunk` edges. */
export async function seedMesh(otlpUrl, edges, nowMs = Date.now(), chunk = 500) {
  for (let i = 0; i < edges.length; i += chunk) {
    const body = JSON.stringify(otlpExport(edges.slice(i, i + chunk), nowMs));
    // The receiver sheds load with 429 when it is behind (a busy machine): wait and send again.
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${otlpUrl}/v1/metrics`, {
        method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(60_000),
      });
      if (res.status === 200) break;
      const text = await res.text();
      if (res.status !== 429 || attempt >= 30) throw new Error(`OTLP export answered ${res.status}: ${text}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
