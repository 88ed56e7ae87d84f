// Graceful drain of the real sidecar process on SIGTERM: an in-flight request finishes, new
// connections are refused meanwhile, and the process exits within its drain deadline; a request
// that outlives the deadline is cut off and the process still exits on time.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { ServerResponse } from "node:http";
import { z } from "zod";
import { CLOSED_PORT, send, startServer } from "./testing/servers";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const ZEvent = z.object({ event: z.string(), inboundPort: z.int().optional() });

async function startSidecarProcess(appPort: number, drainTimeout: string) {
  const cacheDir = await mkdtemp(join(tmpdir(), "trellis-drain-"));
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "--service", "web", "--app-port", String(appPort), "--outbound-port", "0", "--inbound-port", "0", "--admin-port", "0", "--drain-timeout", drainTimeout], {
    env: { ...process.env, TRELLIS_CONTROL_PLANE: `http://127.0.0.1:${CLOSED_PORT}`, TRELLIS_OTLP_ENDPOINT: `http://127.0.0.1:${CLOSED_PORT}`, TRELLIS_CACHE_DIR: cacheDir },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const events: string[] = [];
  const inboundPort = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const e = ZEvent.parse(JSON.parse(line));
      events.push(e.event);
      if (e.event === "listening" && e.inboundPort) resolve(e.inboundPort);
    });
    child.once("exit", (code) => reject(new Error(`exited with ${code} before listening`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, inboundPort, events, exited, cleanup: async () => void (child.kill("SIGKILL"), await rm(cacheDir, { recursive: true, force: true })) };
}

/** Resolves true once a TCP connection to the port is refused, false if it still accepts after `ms`. */
async function refusedWithin(port: number, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => (s.destroy(), resolve(false)));
      s.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "ECONNREFUSED"));
    });
    if (refused) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

const killed = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

// main.ts exits 1 if stopping takes longer than the drain timeout plus this margin; exit code 0
// therefore proves the drain ended by itself. The time bounds below allow for a loaded machine.
const HARD_STOP_MARGIN_MS = 10_000;

describe("sidecar process drain on SIGTERM", () => {
  it("finishes the in-flight request, refuses new connections meanwhile, and exits 0 well within the deadline", { timeout: 60_000 }, async () => {
    let held: ServerResponse | undefined;
    let arrived!: () => void;
    const arrival = new Promise<void>((r) => (arrived = r));
    const app = await startServer((req, res) => {
      if (req.headers["x-trellis-health-check"] !== undefined) return void res.end("ok");
      held = res;
      arrived();
    });
    // A long deadline: exiting before it shows the drain ended when the request did, not at the deadline.
    const sc = await startSidecarProcess(app.port, "20s");
    try {
      const inFlight = send(sc.inboundPort, { path: "/slow", headers: { host: "web" } });
      await arrival;
      const signalledAt = performance.now();
      sc.child.kill("SIGTERM");
      assert.ok(await refusedWithin(sc.inboundPort, 2_000), "a new connection was still accepted while draining");
      assert.equal(killed(sc.child), false, "exited before the in-flight request finished");
      held!.writeHead(200, { "content-type": "text/plain" });
      held!.end("finished while draining");
      const reply = await inFlight;
      assert.equal(reply.status, 200);
      assert.equal(reply.body, "finished while draining");
      assert.equal(await sc.exited, 0);
      const took = performance.now() - signalledAt;
      assert.ok(took < 20_000, `exited ${Math.round(took)} ms after SIGTERM, not before the 20 s drain deadline`);
      assert.ok(sc.events.includes("draining") && sc.events.includes("stopped"), sc.events.join(", "));
    } finally {
      await sc.cleanup();
      await app.close();
    }
  });

  it("cuts a request that outlives the drain deadline and still exits on time", { timeout: 60_000 }, async () => {
    let arrived!: () => void;
    const arrival = new Promise<void>((r) => (arrived = r));
    const app = await startServer((req, res) => {
      if (req.headers["x-trellis-health-check"] !== undefined) return void res.end("ok");
      arrived(); // and never answers
    });
    const sc = await startSidecarProcess(app.port, "1s");
    try {
      const hanging = send(sc.inboundPort, { path: "/hang", headers: { host: "web" } }).then(
        (r) => `answered ${r.status}`,
        (err: NodeJS.ErrnoException) => err.code ?? "error",
      );
      await arrival;
      const signalledAt = performance.now();
      sc.child.kill("SIGTERM");
      assert.equal(await sc.exited, 0);
      const took = performance.now() - signalledAt;
      // It waited for the request up to the deadline, then cut it, flushed and exited.
      assert.ok(took >= 900 && took < 1_000 + HARD_STOP_MARGIN_MS, `exited ${Math.round(took)} ms after SIGTERM with a 1 s drain deadline`);
      assert.match(await hanging, /ECONNRESET|socket hang up|error/);
    } finally {
      await sc.cleanup();
      await app.close();
    }
  });
});
