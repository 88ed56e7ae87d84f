#!/usr/bin/env node
// Serves the built console with `next start`, and prints one JSON line
// {"event":"listening","port":N} once it answers HTTP. Every line on stdout is JSON.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";

const HELP = `Usage: npm start -w @trellis/console -- [options]

  --port <n>        TRELLIS_CONSOLE_PORT   port to serve on; 0 picks a free one   (default 3000)
  --host <addr>     TRELLIS_CONSOLE_HOST   address to bind                        (default 127.0.0.1)
  --api-url <url>   TRELLIS_API_URL        the control plane's API                (default http://127.0.0.1:7070)
  --help                                   show this help

Build first with: npm run build -w @trellis/console`;

const consoleDir = dirname(dirname(fileURLToPath(import.meta.url)));

const ZStartConfig = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  apiUrl: z.url({ protocol: /^https?$/ }),
});

function log(level, event, fields = {}) {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
}

function readConfig() {
  const { values } = parseArgs({
    options: { port: { type: "string" }, host: { type: "string" }, "api-url": { type: "string" }, help: { type: "boolean" } },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const env = process.env;
  const parsed = ZStartConfig.safeParse({
    port: values.port ?? env.TRELLIS_CONSOLE_PORT ?? "3000",
    host: values.host ?? env.TRELLIS_CONSOLE_HOST ?? "127.0.0.1",
    apiUrl: values["api-url"] ?? env.TRELLIS_API_URL ?? "http://127.0.0.1:7070",
  });
  if (!parsed.success) {
    log("error", "invalid_config", { message: z.prettifyError(parsed.error) });
    process.exit(2);
  }
  return parsed.data;
}

function freePort(host) {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswering(url, child, deadlineMs) {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until && child.exitCode === null) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
  return false;
}

function relayLines(stream, level) {
  createInterface({ input: stream }).on("line", (line) => {
    if (line.trim() !== "") log(level, "next_output", { message: line });
  });
}

const config = readConfig();
if (!existsSync(join(consoleDir, ".next", "BUILD_ID"))) {
  log("error", "not_built", { message: "No production build found; run `npm run build -w @trellis/console` first." });
  process.exit(1);
}
const port = config.port === 0 ? await freePort(config.host) : config.port;
const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
const child = spawn(process.execPath, [nextBin, "start", "--port", String(port), "--hostname", config.host], {
  cwd: consoleDir,
  env: { ...process.env, TRELLIS_API_URL: config.apiUrl, NEXT_TELEMETRY_DISABLED: "1" },
  stdio: ["ignore", "pipe", "pipe"],
});
relayLines(child.stdout, "info");
relayLines(child.stderr, "warn");
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopping = true;
    child.kill(signal);
  });
}
child.on("exit", (code, signal) => {
  // Asked to stop: a clean exit whatever code Next used for the signal (143 for SIGTERM).
  const clean = stopping || code === 0;
  log(clean ? "info" : "error", "exited", { code, signal });
  process.exit(clean ? 0 : (code ?? 1));
});

const probeHost = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
const probeUrl = `http://${probeHost.includes(":") ? `[${probeHost}]` : probeHost}:${port}/livez`;
if (await waitUntilAnswering(probeUrl, child, 60_000)) {
  log("info", "listening", { port, host: config.host, apiUrl: config.apiUrl });
} else if (child.exitCode === null) {
  log("error", "start_timeout", { message: `next start did not answer on ${probeUrl} within 60s` });
  child.kill("SIGTERM");
}
