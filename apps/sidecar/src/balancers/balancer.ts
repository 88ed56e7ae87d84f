// What a balancer picks from and what it returns. Balancers are per destination and live inside one
// configuration snapshot; per-endpoint load state that must outlive a snapshot (least-request's
// in-flight counts, peak-EWMA's latency) will be kept by instance id outside it.
import type { Endpoint } from "@trellis/mesh-model";

export interface EndpointTarget {
  readonly instanceId: string;
  readonly version: string;
  /** "http://host:port" of the endpoint's sidecar inbound listener (or of the local app), precomputed. */
  readonly origin: string;
  /** "host:port", for logs and the endpoint attribute. */
  readonly address: string;
  readonly weight: number;
}

export interface Balancer {
  readonly size: number;
  /** Undefined when there is nothing to pick from. */
  pick(): EndpointTarget | undefined;
}

export function toTarget(e: Endpoint): EndpointTarget {
  const host = e.host.includes(":") && !e.host.startsWith("[") ? `[${e.host}]` : e.host;
  const address = `${host}:${e.port}`;
  return { instanceId: e.instanceId, version: e.version, origin: `http://${address}`, address, weight: e.weight };
}
