// What a balancer picks from and what it returns. Balancers are per destination and live inside one
// configuration snapshot; per-endpoint load (in-flight count, peak-EWMA latency) outlives snapshots
// in `EndpointLoads`, keyed by instance id, and each target carries a reference to its own.
import type { Endpoint } from "@trellis/mesh-model";
import { EndpointLoad } from "./endpoint-load";
import type { EndpointBreaker } from "../breaker/endpoint-breaker";
import { standaloneBreaker } from "../breaker/breaker-group";

export interface EndpointTarget {
  readonly instanceId: string;
  readonly version: string;
  /** "http://host:port" of the endpoint's sidecar inbound listener (or of the local app), precomputed. */
  readonly origin: string;
  /** "host:port", for logs and the endpoint attribute. */
  readonly address: string;
  readonly weight: number;
  /** Updated by the balance layer around every try; read by least-request and peak-EWMA. */
  readonly load: EndpointLoad;
  /** Outlier ejection and health of this endpoint; the outlier layer reports each try's result to it. */
  readonly breaker: EndpointBreaker;
}

export interface Balancer {
  readonly size: number;
  /** Undefined when there is nothing to pick from. `avoid` (the previous try's endpoint) is skipped when another exists. */
  pick(avoid?: EndpointTarget): EndpointTarget | undefined;
  /** True when the candidates this balancer picks from leave out at least one outlier-ejected endpoint. */
  readonly avoidingEjected?: boolean;
}

export function toTarget(e: Endpoint, load: EndpointLoad = new EndpointLoad(), breaker: EndpointBreaker = standaloneBreaker(e.instanceId)): EndpointTarget {
  const host = e.host.includes(":") && !e.host.startsWith("[") ? `[${e.host}]` : e.host;
  const address = `${host}:${e.port}`;
  return { instanceId: e.instanceId, version: e.version, origin: `http://${address}`, address, weight: e.weight, load, breaker };
}
