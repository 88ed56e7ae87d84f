// Server-Sent Events transport for the config stream: one `bundle` event per bundle (id = revision),
// comment lines as keep-alives, and a cut-off for a client that stops reading altogether.
import type { ServerResponse } from "node:http";
import { CONFIG_EVENT_BUNDLE, type Bundle } from "@trellis/mesh-model";
import type { ConfigSink } from "../push/config-hub";

/**
 * The hub hands the same bundle object to every sidecar of one service and version: serialise it once
 * (a change reaching a thousand sidecars would otherwise stringify it a thousand times).
 */
const serialised = new WeakMap<Bundle, string>();
function eventOf(bundle: Bundle): string {
  let text = serialised.get(bundle);
  if (text === undefined) {
    text = `event: ${CONFIG_EVENT_BUNDLE}\nid: ${bundle.revision}\ndata: ${JSON.stringify(bundle)}\n\n`;
    serialised.set(bundle, text);
  }
  return text;
}

export class SseConfigSink implements ConfigSink {
  constructor(
    private readonly res: ServerResponse,
    /** A bundle that cannot be written within this long means the client stopped reading. */
    private readonly slowTimeoutMs: number,
  ) {}

  open(): void {
    this.res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // Proxies such as nginx would otherwise buffer the stream.
      "x-accel-buffering": "no",
    });
    this.res.write("retry: 2000\n\n");
  }

  private get gone(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  send(bundle: Bundle): Promise<void> {
    if (this.gone) return Promise.reject(new Error("stream closed"));
    const flushed = this.res.write(eventOf(bundle));
    if (flushed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.res.off("drain", onDrain).off("close", onClose);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(new Error("stream closed"));
      const timer = setTimeout(() => done(new Error(`client did not read a bundle within ${this.slowTimeoutMs} ms`)), this.slowTimeoutMs);
      this.res.on("drain", onDrain).on("close", onClose);
    });
  }

  keepAlive(): void {
    // A client that is not reading gets nothing more to buffer.
    if (!this.gone && !this.res.writableNeedDrain) this.res.write(": keep-alive\n\n");
  }

  close(): void {
    if (this.gone) return;
    // A client that stopped reading would never take the end of the stream either.
    if (this.res.writableNeedDrain) this.res.destroy();
    else this.res.end();
  }
}
