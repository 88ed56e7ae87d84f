// One immutable view of the configuration: the bundle as received plus everything the data path
// derives from it (destinations by name, compiled routes, balancers). A new bundle builds a new
// snapshot; requests keep the one they started with.
import type { Bundle } from "@trellis/mesh-model";
import { buildDestination, type Destination, type DestinationOptions } from "../routing/route-table";
import { InvalidRouteError } from "../routing/route-match";

export type SnapshotSource = "control-plane" | "cache";

export interface Snapshot {
  readonly revision: number;
  readonly bundle: Bundle;
  readonly destinations: ReadonlyMap<string, Destination>;
  readonly source: SnapshotSource;
  readonly appliedAt: string;
}

/** A bundle that parsed but cannot be served as sent. */
export class InvalidBundleError extends Error {}

export function buildSnapshot(bundle: Bundle, source: SnapshotSource, options: DestinationOptions = {}): Snapshot {
  const destinations = new Map<string, Destination>();
  for (const [key, service] of Object.entries(bundle.services)) {
    if (key !== service.name) throw new InvalidBundleError(`services.${key}.name: is "${service.name}", must equal its key "${key}"`);
    try {
      destinations.set(key, buildDestination(service, `services.${key}`, options));
    } catch (err) {
      if (err instanceof InvalidRouteError) throw new InvalidBundleError(err.message);
      throw err;
    }
  }
  options.breakers?.commit(bundle.services);
  options.loads?.retain(new Set(Object.values(bundle.services).flatMap((s) => s.endpoints.map((e) => e.instanceId))));
  return Object.freeze({ revision: bundle.revision, bundle, destinations, source, appliedAt: new Date().toISOString() });
}
