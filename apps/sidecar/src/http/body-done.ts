// Calls back once a response body is over: read to its end (`failed` false) or destroyed before it
// (error, caller gone: `failed` true). What stream.finished() reports for our bodies, with two
// listeners instead of its eight — and the same two for every waiter on one body: the telemetry and
// limit layers both wait on every response.
import type { Readable } from "node:stream";

type Done = (failed: boolean) => void;

const ignore = () => {};
/** Waiters of each body still open; the first one registers the listeners. */
const waiting = new WeakMap<Readable, Done[]>();

export function onBodyDone(body: Readable, done: Done): void {
  // Every body here auto-destroys (undici's, Readable.from), so "close" follows "end" and errors alike.
  if (body.closed) {
    queueMicrotask(() => done(!body.readableEnded));
    return;
  }
  const waiters = waiting.get(body);
  if (waiters) {
    waiters.push(done);
    return;
  }
  const list = [done];
  waiting.set(body, list);
  // As with finished(), an error is ours to see, not an uncaught exception; whoever reads the body reports it.
  body.on("error", ignore);
  body.once("close", () => {
    waiting.delete(body);
    const failed = !body.readableEnded;
    // In the order they waited, as separate listeners would have run.
    for (const d of list) d(failed);
  });
}
