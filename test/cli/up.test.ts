// `trellis up`: the control plane and the built console under one supervisor, on free ports; the
// console reaches the control plane, and SIGTERM stops both (Next's own server process included).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { request } from "undici";
import { z } from "zod";
import { operatorCredentials } from "../support/auth";
import { runTrellis } from "../support/cli";
import { runningDescendants, stillRunning } from "../support/process-tree";

const ZReady = z.object({ event: z.literal("ready"), console: z.string(), api: z.string() });

describe("trellis up", { timeout: 120_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "trellis-up-"));
  const operator = operatorCredentials();
  const { cli, exited, ready, logs, kill } = runTrellis(["up", "--api-port", "0", "--otlp-http-port", "0", "--console-port", "0", "--data-dir", dir], ZReady, operator.env);

  after(async () => {
    await kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the console, which reaches the control plane's API", async () => {
    const { console: consoleUrl, api } = await ready;
    const health = await request(`${api}/healthz`);
    await health.body.dump();
    assert.equal(health.statusCode, 200);
    // Without a session the console sends pages to its login page, which it serves.
    const page = await request(`${consoleUrl}/`);
    await page.body.dump();
    assert.equal(page.statusCode, 307);
    assert.equal(new URL(String(page.headers.location), consoleUrl).href, `${consoleUrl}/login`);
    const login = await request(`${consoleUrl}/login`);
    await login.body.dump();
    assert.equal(login.statusCode, 200);
    assert.equal((await (await request(`${consoleUrl}/api/v1/services?window=5m`)).body.json() as { error?: { code?: string } }).error?.code, "unauthorized");
    const proxied = await request(`${consoleUrl}/api/v1/services?window=5m`, { headers: operator.headers });
    assert.equal(proxied.statusCode, 200);
    assert.ok(Array.isArray(((await proxied.body.json()) as { services?: unknown }).services));
  });

  it("stops the control plane and the console, Next's server included, on SIGTERM", async () => {
    await ready;
    const children = runningDescendants(cli.pid ?? -1);
    assert.ok(children.length >= 3, `control plane, console wrapper and next server run (found ${children.length})`);
    cli.kill("SIGTERM");
    const [code] = await exited;
    assert.equal(code, 0, logs.slice(-20).join("\n"));
    assert.deepEqual(stillRunning(children), []);
  });
});
