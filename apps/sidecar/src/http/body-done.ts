// Calls back once a response body is over: read to its end (`failed` false) or destroyed before it
// (error, caller gone: `failed` true). What stream.finished() reports for our bodies, with two
// listeners instead of its eight; the telemetry and limit layers each wait on every response.
import type { Readable } from "node:stream";

const ignore = () => {};

export function onBodyDone(body: Readable, done: (failed: boolean) => void): void {
  // As with finished(), an error is ours to see, not an uncaught exception; whoever reads the body reports it.
  body.on("error", ignore);
  // Every body here auto-destroys (undici's, Readable.from), so "close" follows "end" and errors alike.
  if (body.closed) queueMicrotask(() => done(!body.readableEnded));
  else body.once("close", () => done(!body.readableEnded));
}
