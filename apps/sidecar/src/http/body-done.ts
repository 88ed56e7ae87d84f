// Calls back once a response body is over: read to its end (`failed` false) or destroyed before it
// (error, caller gone: `failed` true). What stream.finished() reports for our bodies, with two
// listeners instead of its eight — and the same two for every waiter on one body: the telemetry and
// limit layers both wait on every response.
import type { Readable } from "node:stream";

type Done = (failed: boolean) => void;

const ignore = () => {};
/**
 * Waiters of a body still open, kept on the body itself; the first one registers the listeners. A
 * WeakMap did the same at ~2 µs per request (its set() was the body-done's whole cost in the profile).
 */
const WAITERS = Symbol("trellis.bodyDoneWaiters");
type Waited = Readable & { [WAITERS]?: Done[] | undefined };

export function onBodyDone(stream: Readable, done: Done): void {
  const body = stream as Waited;
  // Every body here auto-destroys (undici's, Readable.from), so "close" follows "end" and errors alike.
  if (body.closed) {
    queueMicrotask(() => done(!body.readableEnded));
    return;
  }
  const waiters = body[WAITERS];
  if (waiters) {
    waiters.push(done);
    return;
  }
  const list = [done];
  body[WAITERS] = list;
  // As with finished(), an error is ours to see, not an uncaught exception; whoever reads the body reports it.
  body.on("error", ignore);
  // on, not once: a stream closes once, and once() wraps every listener.
  body.on("close", () => {
    body[WAITERS] = undefined;
    const failed = !body.readableEnded;
    // In the order they waited, as separate listeners would have run.
    for (const d of list) d(failed);
  });
}
