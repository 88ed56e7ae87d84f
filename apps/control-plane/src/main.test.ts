// The control plane as a process: --help, flag errors, one "listening" line with the real ports,
// and a clean exit on SIGTERM and SIGINT.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { after, describe, it } from "node:test";

const MAIN = path.join(import.meta.dirname, "main.ts");
// tsx resolves from the working directory; the databases go to `dir` through --database-url.
const APP = path.resolve(import.meta.dirname, "..");
const dir = mkdtempSync(path.join(tmpdir(), "trellis-main-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], { encoding: "utf8", timeout: 30_000, cwd: APP });
}

async function startAndStop(signal: NodeJS.Signals) {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "--api-port", "0", "--otlp-http-port", "0", "--database-url", `file:${path.join(dir, `${signal}.db`)}`], {
    cwd: APP,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on("line", (l) => stderr.push(l));
  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${stderr.join("\n")}`)), 30_000);
    createInterface({ input: child.stdout }).on("line", (line) => {
      const event = JSON.parse(line) as Record<string, unknown>;
      lines.push(event);
      if (event.event === "listening") {
        clearTimeout(timer);
        resolve(event);
      }
    });
  });
  try {
    const event = await listening;
    assert.equal(typeof event.apiPort, "number");
    assert.equal(typeof event.otlpHttpPort, "number");
    // A free gRPC port too, because the HTTP one was asked to be free.
    assert.ok(typeof event.otlpGrpcPort === "number" && event.otlpGrpcPort > 0 && event.otlpGrpcPort !== 4317, String(event.otlpGrpcPort));
    assert.equal(event.level, "info");
    const health = await fetch(`http://127.0.0.1:${event.apiPort}/healthz`);
    assert.equal(health.status, 200);
    const otlp = await fetch(`http://127.0.0.1:${event.otlpHttpPort}/v1/metrics`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    assert.equal(otlp.status, 200);
    const exited = once(child, "exit");
    child.kill(signal);
    const [code] = await exited;
    assert.equal(code, 0, stderr.join("\n"));
    assert.equal(lines.filter((l) => l.event === "listening").length, 1);
    assert.ok(lines.some((l) => l.event === "stopped"));
  } finally {
    child.kill("SIGKILL");
  }
}

describe("main", { timeout: 60_000 }, () => {
  it("--help lists the flags and exits 0", () => {
    const r = run(["--help"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /--otlp-http-port/);
    assert.match(r.stdout, /TRELLIS_LEASE_TTL/);
  });

  it("a bad flag exits 2 with the reason", () => {
    const r = run(["--api-port", "nope"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--api-port "nope": must be a port number/);
  });

  it("prints one listening line and stops cleanly on SIGTERM", async () => startAndStop("SIGTERM"));
  it("stops cleanly on SIGINT", async () => startAndStop("SIGINT"));
});
