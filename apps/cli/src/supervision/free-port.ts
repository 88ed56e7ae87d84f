// A port that was free a moment ago, for the one case where a port must be known before the
// process that binds it starts (an app and its sidecar each need the other's port).
import { once } from "node:events";
import { createServer } from "node:net";

export async function freePort(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("could not read the probe's port");
  return address.port;
}
