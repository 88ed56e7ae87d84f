// A port that is free now, for the one case where a port must be known before the process that
// binds it starts (an app and its sidecar each need the other's port). It is taken from below the
// kernel's ephemeral range, so no other process's "port 0" can be handed the same port meanwhile.
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

const FALLBACK_EPHEMERAL_START = 32768;

function ephemeralStart(): number {
  try {
    const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    return low !== undefined && Number.isInteger(low) ? low : FALLBACK_EPHEMERAL_START;
  } catch {
    return FALLBACK_EPHEMERAL_START;
  }
}

async function tryBind(port: number, host: string): Promise<number | undefined> {
  const server = createServer();
  server.listen(port, host);
  try {
    await Promise.race([once(server, "listening"), once(server, "error").then(([err]) => Promise.reject(err))]);
  } catch {
    return undefined;
  }
  const address = server.address();
  server.close();
  await once(server, "close");
  return address !== null && typeof address === "object" ? address.port : undefined;
}

export async function freePort(host = "127.0.0.1", random: () => number = Math.random): Promise<number> {
  const high = ephemeralStart() - 1;
  const low = Math.max(1024, high - 12_000);
  if (high - low >= 1_000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = await tryBind(low + Math.floor(random() * (high - low)), host);
      if (port !== undefined) return port;
    }
  }
  const port = await tryBind(0, host);
  if (port === undefined) throw new Error(`no free port on ${host}`);
  return port;
}
