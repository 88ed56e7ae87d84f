// One undici Agent per destination service, so that the destination's `maxConnections` caps the
// connections to each of its endpoints (undici's `connections` is per origin). A changed limit, or a
// change between plaintext and mutual TLS, gets a new agent; the old one closes once its requests finish.
//
// Mutual TLS is used towards a destination in strict mode, and in permissive mode when this sidecar
// takes part in mTLS and every endpoint of the destination announces it (label trellis.io/mtls). When
// mTLS is needed and this sidecar has no valid certificate, the try fails closed (503 no_identity).
import type { Agent, Dispatcher } from "undici";
import { NoIdentityError } from "../errors";
import { meshConnector } from "../identity/mesh-connector";
import type { WorkloadIdentity } from "../identity/workload-identity";
import type { Destination } from "../routing/route-table";
import { createUpstreamAgent, type UpstreamAgentOptions } from "./upstream-agent";

/** The registration label a sidecar with an identity sets, so permissive callers know it speaks mTLS. */
export const MTLS_LABEL = "trellis.io/mtls";

export interface MeshTls {
  identity: WorkloadIdentity;
  trustDomain: string;
}

interface Pool {
  readonly maxConnections: number;
  readonly tls: boolean;
  readonly agent: Agent;
}

export class UpstreamPools {
  private readonly byService = new Map<string, Pool>();
  private readonly tlsOf = new WeakMap<Destination, boolean>();

  constructor(
    private readonly options: UpstreamAgentOptions = {},
    private readonly mesh?: MeshTls,
  ) {}

  /** Whether tries to this destination use mutual TLS (decided once per destination of a snapshot). */
  usesTls(destination: Destination): boolean {
    let tls = this.tlsOf.get(destination);
    if (tls === undefined) {
      const service = destination.service;
      const announced = service.endpoints.length > 0 && service.endpoints.every((e) => e.labels[MTLS_LABEL] === "true");
      tls = service.mtlsMode === "strict" || (this.mesh?.identity.configured === true && announced);
      this.tlsOf.set(destination, tls);
    }
    return tls;
  }

  /** The pool for a try to `destination`; records on `ctx` whether it is mTLS. Throws NoIdentityError to fail closed. */
  of(destination: Destination, ctx?: { mtls?: boolean }): Dispatcher {
    const max = destination.service.circuitBreaker.maxConnections;
    const tls = this.usesTls(destination);
    if (ctx) ctx.mtls = tls;
    if (tls && !this.mesh?.identity.current()) {
      throw new NoIdentityError(`"${destination.name}" requires mutual TLS and this sidecar has no valid certificate`);
    }
    const pool = this.byService.get(destination.name);
    if (pool && pool.maxConnections === max && pool.tls === tls) return pool.agent;
    if (pool) void pool.agent.close().catch(() => {});
    const connector = tls && this.mesh ? meshConnector(destination.name, this.mesh.identity, this.mesh.trustDomain, this.options.connectTimeoutMs ?? 5_000) : undefined;
    const agent = createUpstreamAgent({ ...this.options, connections: max, connector });
    this.byService.set(destination.name, { maxConnections: max, tls, agent });
    return agent;
  }

  async destroy(): Promise<void> {
    const agents = [...this.byService.values()].map((p) => p.agent);
    this.byService.clear();
    await Promise.all(agents.map((a) => a.destroy().catch(() => {})));
  }
}
