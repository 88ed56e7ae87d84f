// Closing idle keep-alive connections without resetting a request that has already arrived.
import type { Server } from "node:http";
import type { Socket } from "node:net";

/**
 * How long a caller's idle keep-alive connection stays open. Node's default (5 s) is shorter than many
 * clients' own idle timers and than the stalls of a busy machine, so a caller could write its next
 * request into a connection the sidecar had just closed; Envoy keeps downstream connections for an
 * hour. Callers that honour the advertised `Keep-Alive: timeout` close first.
 */
export const KEEP_ALIVE_IDLE_MS = 60_000;

/**
 * Node closes a keep-alive connection when its idle timer fires, in the event loop's timers phase,
 * which runs before the poll phase reads the sockets. After this process stalled (a busy machine, a
 * long pause) a connection can be idle by its timer while the caller's next request already waits in
 * the kernel: destroying it then resets that request (the caller sees ECONNRESET for a request it
 * sent in good time). With a `timeout` listener node leaves the decision here: the connection is
 * closed only if nothing arrived on it by the end of this turn of the loop.
 */
export function closeIdleAfterReading(server: Server): void {
  server.on("timeout", (socket: Socket) => {
    const readBefore = socket.bytesRead;
    setImmediate(() => {
      if (socket.destroyed) return;
      // Something arrived: a request (whose answer re-arms the idle timer) or the start of one (the
      // headers timeout bounds it).
      if (socket.bytesRead !== readBefore || Reflect.get(socket, "_httpMessage") != null) return;
      socket.destroy();
    });
  });
}
