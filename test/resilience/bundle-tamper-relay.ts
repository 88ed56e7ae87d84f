// A relay between one sidecar and the real control plane's API that passes everything through and,
// when told to, breaks the bundles on the config stream (what a bundle the sidecar cannot apply looks
// like: a newer control plane, a corrupted push). The control plane validates every policy it stores,
// so there is no other way to hand a real sidecar an invalid bundle from a real control plane; its
// NACK still goes to the control plane, through this relay.
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface TamperRelay {
  url: string;
  /** Rewrites each bundle (parsed JSON) on config streams while set. */
  tamper: ((bundle: Record<string, unknown>) => Record<string, unknown>) | undefined;
  /** Bundles rewritten so far. */
  tampered: number;
  /** Sees every bundle that passes (after any tampering), e.g. to know what each revision said. */
  observe: ((bundle: Record<string, unknown>) => void) | undefined;
  close(): Promise<void>;
}

export async function startTamperRelay(target: string): Promise<TamperRelay> {
  const to = new URL(target);
  const relay: TamperRelay = { url: "", tamper: undefined, tampered: 0, observe: undefined, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const upstream = httpRequest(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        const isStream = String(up.headers["content-type"] ?? "").startsWith("text/event-stream");
        if (!isStream) return void up.pipe(res);
        let pending = "";
        up.setEncoding("utf8");
        up.on("data", (chunk: string) => {
          pending += chunk;
          const lines = pending.split("\n");
          pending = lines.pop() ?? "";
          res.write(lines.map((line) => rewrite(line)).join("\n") + "\n");
        });
        up.on("end", () => res.end(pending));
        res.on("close", () => up.destroy());
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upstream);
  });
  const rewrite = (line: string): string => {
    const { tamper, observe } = relay;
    if ((!tamper && !observe) || !line.startsWith("data:")) return line;
    let bundle = JSON.parse(line.slice(5).trim()) as Record<string, unknown>;
    if (tamper) {
      relay.tampered++;
      bundle = tamper(bundle);
    }
    observe?.(bundle);
    return tamper ? `data: ${JSON.stringify(bundle)}` : line;
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  relay.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  relay.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return relay;
}
