// The CLI's process supervision against real processes: listening lines, forwarded logs, a child
// dying, a child that never listens, and stopping whole process groups (no orphans left behind).
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { request } from "undici";
import { nodeArgs } from "../../apps/cli/src/paths";
import { createSupervisor } from "../../apps/cli/src/supervision/supervisor";
import { stillRunning } from "../support/process-tree";
import { ROOT } from "../support/processes";

const DEMO = path.join(ROOT, "apps/demo/src/main.ts");

const alive = (pid: number) => stillRunning([pid]).length > 0;

function spec(name: string, args: string[], listenTimeoutMs = 20_000) {
  return { name, command: process.execPath, args, cwd: ROOT, env: process.env, listenTimeoutMs };
}

describe("supervisor", { timeout: 60_000 }, () => {
  it("starts children, forwards their logs with their name, and stops them all", async () => {
    const lines: string[] = [];
    const sup = createSupervisor((l) => lines.push(l));
    const ratings = await sup.start(spec("ratings", nodeArgs(DEMO, ["ratings", "--fault-scale", "0"])));
    const front = await sup.start(spec("frontend", nodeArgs(DEMO, ["frontend", "--outbound", `http://127.0.0.1:${String(ratings.port)}`])));
    const res = await request(`http://127.0.0.1:${String(front.port)}/healthz`);
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    const events = lines.map((l) => JSON.parse(l));
    assert.ok(events.some((e) => e.proc === "ratings" && e.event === "listening"));
    assert.ok(events.some((e) => e.proc === "frontend" && e.event === "listening"));
    await sup.stop();
    assert.ok(events.length > 0);
    const stopped = lines.map((l) => JSON.parse(l)).filter((e) => e.event === "stopped");
    assert.deepEqual(stopped.map((e) => e.proc).sort(), ["frontend", "ratings"], "both stopped cleanly on SIGTERM");
  });

  it("reports a child that dies unexpectedly", async () => {
    const sup = createSupervisor(() => undefined);
    const script = 'console.log(JSON.stringify({event:"listening",port:1})); setTimeout(() => process.exit(3), 200)';
    await sup.start(spec("short-lived", ["-e", script]));
    await assert.rejects(sup.failure, (err: Error & { code?: string }) => err.code === "exited_unexpectedly" && /code 3/.test(err.message));
    await sup.stop();
  });

  it("gives up on a child that never prints its listening line, and kills it", async () => {
    const sup = createSupervisor(() => undefined);
    const started = sup.start(spec("mute", ["-e", "console.log('booting'); setInterval(() => {}, 1000)"], 500));
    await assert.rejects(started, (err: Error & { code?: string }) => err.code === "listen_timeout" && /booting/.test(err.message));
    await sup.stop(2_000);
  });

  it("stops the child's whole process group, grandchildren included", async () => {
    const sup = createSupervisor(() => undefined);
    const script = [
      "const { spawn } = require('node:child_process');",
      "const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });",
      "console.log(JSON.stringify({ event: 'listening', grandchild: g.pid }));",
      "setInterval(() => {}, 1000);",
    ].join("\n");
    const listening = await sup.start(spec("parent", ["-e", script]));
    const grandchild = Number(listening.grandchild);
    assert.ok(alive(grandchild));
    await sup.stop(2_000);
    for (let i = 0; i < 20 && alive(grandchild); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(grandchild), false, "the grandchild is gone too");
  });
});
