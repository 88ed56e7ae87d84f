// The process contract the CLI and the demo rely on: one `listening` JSON line with real ports
// (port 0 works), the admin port on loopback, a clean exit on SIGTERM.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { CLOSED_PORT, send } from "./testing/servers";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const ZListening = z.object({ event: z.literal("listening"), service: z.string(), outboundPort: z.int(), inboundPort: z.int(), adminPort: z.int(), instanceId: z.string() });

describe("main.ts", () => {
  it("prints one listening line with the bound ports and drains on SIGTERM", { timeout: 30_000 }, async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), "trellis-main-"));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", MAIN, "--service", "web", "--app-port", "9", "--outbound-port", "0", "--inbound-port", "0", "--admin-port", "0"],
      {
        env: { ...process.env, TRELLIS_CONTROL_PLANE: `http://127.0.0.1:${CLOSED_PORT}`, TRELLIS_OTLP_ENDPOINT: `http://127.0.0.1:${CLOSED_PORT}`, TRELLIS_CACHE_DIR: cacheDir },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    try {
      const lines: unknown[] = [];
      const rl = createInterface({ input: child.stdout! });
      const listening = await new Promise<z.infer<typeof ZListening>>((resolve, reject) => {
        rl.on("line", (line) => {
          const record: unknown = JSON.parse(line);
          lines.push(record);
          const parsed = ZListening.safeParse(record);
          if (parsed.success) resolve(parsed.data);
        });
        child.once("exit", (code) => reject(new Error(`exited with ${code} before listening`)));
      });
      assert.equal(listening.service, "web");
      for (const port of [listening.outboundPort, listening.inboundPort, listening.adminPort]) assert.ok(port > 0);
      assert.match(listening.instanceId, new RegExp(`^web-v1-.+-${listening.inboundPort}$`));
      assert.equal((await send(listening.adminPort, { path: "/healthz" })).status, 200);

      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
      const events = lines.map((l) => z.object({ event: z.string() }).parse(l).event);
      assert.equal(events.filter((e) => e === "listening").length, 1);
      assert.ok(events.includes("stopped"), events.join(", "));
    } finally {
      child.kill("SIGKILL");
      await rm(cacheDir, { recursive: true, force: true });
    }
  });

  it("prints help and exits 0; exits 2 with the reason on a missing flag", async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (c: Buffer) => (out += c));
        child.stderr.on("data", (c: Buffer) => (err += c));
        child.once("exit", (code) => resolve({ code, out, err }));
      });
    const help = await run(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.out, /--app-port/);
    const missing = await run(["--service", "web"]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--app-port \(or TRELLIS_APP_PORT\) is required/);
  });
});
