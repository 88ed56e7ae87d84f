// One undici Agent per destination service, so that the destination's `maxConnections` caps the
// connections to each of its endpoints (undici's `connections` is per origin). A changed limit
// gets a new agent; the old one closes once its requests finish.
import type { Agent, Dispatcher } from "undici";
import type { Destination } from "../routing/route-table";
import { createUpstreamAgent, type UpstreamAgentOptions } from "./upstream-agent";

interface Pool {
  readonly maxConnections: number;
  readonly agent: Agent;
}

export class UpstreamPools {
  private readonly byService = new Map<string, Pool>();

  constructor(private readonly options: UpstreamAgentOptions = {}) {}

  of(destination: Destination): Dispatcher {
    const max = destination.service.circuitBreaker.maxConnections;
    const pool = this.byService.get(destination.name);
    if (pool && pool.maxConnections === max) return pool.agent;
    if (pool) void pool.agent.close().catch(() => {});
    const agent = createUpstreamAgent({ ...this.options, connections: max });
    this.byService.set(destination.name, { maxConnections: max, agent });
    return agent;
  }

  async destroy(): Promise<void> {
    const agents = [...this.byService.values()].map((p) => p.agent);
    this.byService.clear();
    await Promise.all(agents.map((a) => a.destroy().catch(() => {})));
  }
}
