// Raw HTTP over a TCP socket, for tests that send what no HTTP client would (malformed and ambiguous
// requests, smuggling vectors): write bytes exactly as given and read everything that comes back.
import { connect } from "node:net";

export interface RawReply {
  /** Everything received, as latin1. */
  text: string;
  /** The first response's status, 0 if none. */
  status: number;
  /** Every response status, in order (pipelined requests get several). */
  statuses: number[];
  /** Whether the peer closed the connection (rather than us giving up). */
  closed: boolean;
}

export const statusesOf = (text: string): number[] => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

function reply(chunks: Buffer[], closed: boolean): RawReply {
  const text = Buffer.concat(chunks).toString("latin1");
  return { text, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), statuses: statusesOf(text), closed };
}

const toBuffer = (part: string | Buffer): Buffer => (typeof part === "string" ? Buffer.from(part, "latin1") : part);

/** Writes `parts` (`pauseMs` between them) and reads until the peer closes, or gives up after `ms`. */
export function sendRaw(port: number, parts: ReadonlyArray<string | Buffer>, ms = 3_000, pauseMs = 100): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let closed = false;
    const done = () => {
      clearTimeout(timer);
      resolve(reply(chunks, closed));
    };
    const timer = setTimeout(() => {
      socket.destroy();
      done();
    }, ms);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => {});
    socket.on("close", () => {
      closed = true;
      done();
    });
    socket.on("connect", async () => {
      for (const [i, part] of parts.entries()) {
        if (i > 0) await new Promise((r) => setTimeout(r, pauseMs));
        if (!socket.destroyed) socket.write(toBuffer(part));
      }
    });
  });
}

/**
 * Sends the bytes and reads until the peer closes, or `ms` have passed and `settled` says nothing
 * more is owed (a slow machine must not turn a late answer into a failure); at most `maxMs`.
 */
export function exchangeRaw(port: number, bytes: Buffer, settled: (reply: string) => boolean = () => true, ms = 500, maxMs = 5_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const started = performance.now();
    const text = () => Buffer.concat(chunks).toString("latin1");
    const done = () => {
      clearInterval(timer);
      socket.destroy();
      resolve(text());
    };
    const timer = setInterval(() => {
      const waited = performance.now() - started;
      if ((waited >= ms && settled(text())) || waited >= maxMs) done();
    }, 50);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => {});
    socket.on("close", done);
    socket.on("connect", () => socket.write(bytes));
  });
}

/**
 * Writes the bytes and reads until the peer closes, or nothing has come for `quietMs` (a kept-alive
 * connection owes nothing more); at most `maxMs`. Our side is not half-closed: node's HTTP server
 * aborts in-flight requests when the client ends its side. `closed` is true when the peer closed.
 */
export function sendUntilQuiet(port: number, bytes: Buffer, quietMs = 500, maxMs = 10_000): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let finished = false;
    const done = (closed: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(quiet);
      clearTimeout(cap);
      socket.destroy();
      resolve(reply(chunks, closed));
    };
    let quiet = setTimeout(() => done(false), maxMs);
    const cap = setTimeout(() => done(false), maxMs);
    const rearm = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => done(false), quietMs);
    };
    socket.on("data", (c: Buffer) => {
      chunks.push(c);
      rearm();
    });
    socket.on("error", () => {});
    socket.on("close", () => done(true));
    socket.on("connect", () => socket.write(bytes, rearm));
  });
}
