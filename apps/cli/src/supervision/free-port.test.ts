import assert from "node:assert/strict";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { freePort } from "./free-port";

describe("freePort", () => {
  it("returns a bindable port below the kernel's ephemeral range", async () => {
    const port = await freePort();
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    assert.ok(port > 1023 && port < low, `${port} is below ${low}`);
    const server = createServer().listen(port, "127.0.0.1");
    await once(server, "listening");
    server.close();
  });

  it("skips a port that is taken", async () => {
    const taken = await freePort();
    const server = createServer().listen(taken, "127.0.0.1");
    await once(server, "listening");
    let calls = 0;
    // The first draw lands on the taken port; the next one must be used instead.
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) - 1;
    const start = Math.max(1024, low - 12_000);
    const port = await freePort("127.0.0.1", () => (calls++ === 0 ? (taken - start + 0.5) / (low - start) : 0.5));
    server.close();
    assert.notEqual(port, taken);
    assert.ok(calls >= 2);
  });
});
