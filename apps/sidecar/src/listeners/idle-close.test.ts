import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { closeIdleAfterReading } from "./idle-close";

const REQUEST = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

/** Two requests on one connection; the second is sent just before the idle timer is due, then this process stalls past it. */
async function secondRequestAfterStall(server: Server): Promise<{ responses: number; error?: string }> {
  server.keepAliveTimeout = 100; // node arms the socket's timer at this + 1 s
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
  let responses = 0;
  let error: string | undefined;
  socket.on("data", (chunk: Buffer) => (responses += chunk.toString().split("HTTP/1.1 200").length - 1));
  socket.on("error", (err: Error & { code?: string }) => (error = err.code ?? err.message));
  await once(socket, "connect");
  socket.write(REQUEST);
  while (responses < 1) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 1_000));
  // Into the kernel at once; then the whole process stalls past the timer (1.1 s after the answer).
  socket.write(REQUEST);
  const until = Date.now() + 500;
  while (Date.now() < until) {
    // a stall: no timers, no I/O
  }
  await new Promise((r) => setTimeout(r, 300));
  socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { responses, error };
}

describe("closeIdleAfterReading", () => {
  it("answers a request that arrived while the process stalled past the idle timer", async () => {
    const server = createServer((_req, res) => res.end("ok"));
    closeIdleAfterReading(server);
    assert.deepEqual(await secondRequestAfterStall(server), { responses: 2, error: undefined });
  });

  it("(node's own behaviour, for contrast) resets that request", async () => {
    const server = createServer((_req, res) => res.end("ok"));
    const r = await secondRequestAfterStall(server);
    assert.equal(r.responses, 1);
    assert.equal(r.error, "ECONNRESET");
  });

  it("still closes a connection that stays idle", async () => {
    const server = createServer((_req, res) => res.end("ok"));
    server.keepAliveTimeout = 50;
    closeIdleAfterReading(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
    socket.on("data", () => {});
    socket.write(REQUEST);
    const started = Date.now();
    await once(socket, "close");
    assert.ok(Date.now() - started < 3_000);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
