// Compiles each sidecar's bundle from one consistent read of the mesh: its own service's policy,
// and every other live service as a destination with its live endpoints and its policy.
import { compileBundle, type Bundle, type Endpoint, type MeshSecurity, type PolicySpec } from "@trellis/mesh-model";
import type { InstanceRecord, Repositories } from "../db/repositories";

/** Every endpoint weighs the same until policies can say otherwise. */
export const ENDPOINT_WEIGHT = 1;

export interface MeshSnapshot {
  revision: number;
  generatedAt: string;
  /** Live endpoints by service. */
  endpoints: Map<string, Endpoint[]>;
  specs: Map<string, PolicySpec>;
  /** Live instances' identities by instance id. */
  instances: Map<string, { instanceId: string; service: string; version: string }>;
}

export type SnapshotSources = Pick<Repositories, "registry" | "revisions" | "policies">;

function endpointOf(instance: InstanceRecord): Endpoint {
  return {
    instanceId: instance.instanceId,
    version: instance.version,
    host: instance.host,
    port: instance.inboundPort,
    weight: ENDPOINT_WEIGHT,
    labels: instance.labels,
  };
}

export function snapshotOf(revision: number, now: Date, live: ReadonlyArray<InstanceRecord>, specs: Map<string, PolicySpec>): MeshSnapshot {
  const endpoints = new Map<string, Endpoint[]>();
  const instances = new Map<string, { instanceId: string; service: string; version: string }>();
  for (const instance of live) {
    instances.set(instance.instanceId, { instanceId: instance.instanceId, service: instance.service, version: instance.version });
    const list = endpoints.get(instance.service) ?? [];
    list.push(endpointOf(instance));
    endpoints.set(instance.service, list);
  }
  return { revision, generatedAt: now.toISOString(), endpoints, specs, instances };
}

/**
 * Reads the revision BEFORE the state it stands for: a change racing this read then yields state
 * newer than its revision (and a later push with the next revision), never a revision number paired
 * with state older than it, which a sidecar that ACKed that revision would keep forever.
 */
export async function readMeshSnapshot(db: SnapshotSources, now: Date, liveCutoff: Date = now, cached?: MeshSnapshot): Promise<MeshSnapshot> {
  const revision = await db.revisions.current();
  // Every change to what a snapshot holds bumps the revision (registrations, expiries, policies), so
  // a snapshot read under the same revision is still what the database says.
  if (cached?.revision === revision) return cached;
  // liveCutoff is earlier than now while the registry's self-preservation keeps lapsed leases live.
  const [live, specs] = await Promise.all([db.registry.listLiveInstances(liveCutoff), db.policies.currentSpecs()]);
  return snapshotOf(revision, now, live, specs);
}

export function bundleFor(snapshot: MeshSnapshot, sidecar: { service: string; version: string }, mesh?: MeshSecurity): Bundle {
  const destinations = [...snapshot.endpoints]
    .filter(([service]) => service !== sidecar.service)
    .map(([service, endpoints]) => ({ service, spec: snapshot.specs.get(service), endpoints }));
  return compileBundle({
    revision: snapshot.revision,
    generatedAt: snapshot.generatedAt,
    sidecar: { service: sidecar.service, version: sidecar.version },
    destinations,
    localSpec: snapshot.specs.get(sidecar.service),
    mesh,
  });
}

/**
 * What a bundle says, without its revision and time: two bundles with the same key configure a
 * sidecar identically. compileBundle orders services and endpoints, so equal content is equal text.
 */
export function bundleContentKey(bundle: Bundle): string {
  const { revision: _revision, generatedAt: _generatedAt, ...content } = bundle;
  return JSON.stringify(content);
}

/**
 * The bundles of one snapshot, compiled on first use once per (service, version) — every sidecar of
 * that shape gets the same object (serialised once by the transport) — with their content keys.
 */
export class CompiledBundles {
  private readonly byShape = new Map<string, { bundle: Bundle; key: string }>();

  constructor(
    readonly snapshot: MeshSnapshot,
    private readonly mesh?: MeshSecurity,
  ) {}

  for(sidecar: { service: string; version: string }): { bundle: Bundle; key: string } {
    const shape = `${sidecar.service}\u0000${sidecar.version}`;
    let entry = this.byShape.get(shape);
    if (!entry) {
      const bundle = bundleFor(this.snapshot, sidecar, this.mesh);
      this.byShape.set(shape, (entry = { bundle, key: bundleContentKey(bundle) }));
    }
    return entry;
  }

  /** A live instance's identity in this snapshot. */
  instance(instanceId: string): { instanceId: string; service: string; version: string } | undefined {
    return this.snapshot.instances.get(instanceId);
  }
}
