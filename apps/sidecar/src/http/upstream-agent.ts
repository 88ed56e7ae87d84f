// The connection pools of the data path: one undici Agent keeps a keep-alive pool per endpoint
// origin (undici Pool under the hood), at most `connections` sockets each (a destination's
// circuit-breaker `maxConnections`; see upstream-pools.ts).
import { Agent, type buildConnector } from "undici";

export interface UpstreamAgentOptions {
  connectTimeoutMs?: number;
  /** Connections per origin; unlimited when absent. */
  connections?: number;
  /** Makes every connection itself (mutual TLS to another sidecar: identity/mesh-connector.ts); it owns the connect timeout. */
  connector?: buildConnector.connector;
}

export function createUpstreamAgent({ connectTimeoutMs = 5_000, connections, connector }: UpstreamAgentOptions = {}): Agent {
  return new Agent({
    // Below node's default 5 s server keep-alive, so we close idle sockets before the peer does.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 60_000,
    // No pipelining: one request per connection at a time keeps head-of-line blocking out of the mesh.
    pipelining: 1,
    connect: connector ?? { timeout: connectTimeoutMs },
    ...(connections === undefined ? {} : { connections }),
  });
}
