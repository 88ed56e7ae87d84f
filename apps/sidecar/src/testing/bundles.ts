// Bundles for tests, built by mesh-model's own compiler so they are exactly what a sidecar receives.
import { compileBundle, type Bundle, type Endpoint, type PolicySpec } from "@trellis/mesh-model";

export const ME = { service: "web", version: "v1" } as const;

export interface TestDestination {
  service: string;
  endpoints?: Array<Partial<Endpoint> & { port: number }>;
  spec?: Omit<PolicySpec, "service">;
}

export function makeBundle(revision: number, destinations: TestDestination[] = []): Bundle {
  return compileBundle({
    revision,
    generatedAt: new Date(Date.UTC(2025, 0, 1)).toISOString(),
    sidecar: { ...ME },
    destinations: destinations.map((d) => ({
      service: d.service,
      // Round robin unless a test says otherwise, so picks are deterministic (the compile default is peak-EWMA).
      spec: { service: d.service, loadBalancer: { type: "round-robin" }, ...d.spec },
      endpoints: (d.endpoints ?? []).map((e, i) => ({
        instanceId: e.instanceId ?? `${d.service}-${e.version ?? "v1"}-${i}`,
        version: e.version ?? "v1",
        host: e.host ?? "127.0.0.1",
        port: e.port,
        weight: e.weight ?? 1,
        labels: e.labels ?? {},
      })),
    })),
  });
}
