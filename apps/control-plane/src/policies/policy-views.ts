// Read-side views of policies: API shapes of revisions, a service as its callers' sidecars compile it,
// and which live sidecars a candidate spec would reach.
import { compileService, type AuditEntry, type CompiledService, type Endpoint, type PolicyRevision, type PolicyRevisionSummary, type PolicySpec } from "@trellis/mesh-model";
import type { AuditRecord, PolicyRevisionRecord } from "../db/repositories";
import { bundleContentKey, bundleFor, type MeshSnapshot } from "../push/bundle-builder";

export function toSummary(r: PolicyRevisionRecord): PolicyRevisionSummary {
  return { service: r.service, revision: r.revision, author: r.author, message: r.message, createdAt: r.createdAt.toISOString() };
}

export function toRevision(r: PolicyRevisionRecord): PolicyRevision {
  return { ...toSummary(r), spec: r.spec };
}

export function toAuditEntry(r: AuditRecord): AuditEntry {
  return { id: r.id, at: r.at.toISOString(), actor: r.actor, action: r.action, service: r.service, revision: r.revision, message: r.message };
}

/**
 * The service as a caller's bundle carries it, with today's live endpoints. Its healthCheck is also
 * the local health check of the service's own sidecars, so one view covers both audiences.
 */
export function compiledView(service: string, spec: PolicySpec | undefined, snapshot: MeshSnapshot): CompiledService {
  const endpoints: ReadonlyArray<Endpoint> = snapshot.endpoints.get(service) ?? [];
  return compileService({ service, spec, endpoints });
}

/**
 * Live sidecars whose bundle would change if `service` had `spec`: exactly those a save would push
 * to (the hub skips sidecars whose bundle content stays the same). Sorted by instance id.
 */
export function reachOf(snapshot: MeshSnapshot, service: string, spec: PolicySpec): string[] {
  const after: MeshSnapshot = { ...snapshot, specs: new Map(snapshot.specs).set(service, spec) };
  const changed = new Map<string, boolean>();
  const reached: string[] = [];
  for (const [own, endpoints] of snapshot.endpoints) {
    for (const e of endpoints) {
      const key = `${own}\u0000${e.version}`;
      let differs = changed.get(key);
      if (differs === undefined) {
        const sidecar = { service: own, version: e.version };
        differs = bundleContentKey(bundleFor(snapshot, sidecar)) !== bundleContentKey(bundleFor(after, sidecar));
        changed.set(key, differs);
      }
      if (differs) reached.push(e.instanceId);
    }
  }
  return reached.sort();
}
