// The default instance id: stable across restarts of the same sidecar (so its cache dir is found
// again), distinct between sidecars on one host (the inbound port differs).
import { ZInstanceId } from "@trellis/mesh-model";

export function deriveInstanceId(service: string, version: string, hostname: string, inboundPort: number): string {
  const host = hostname.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "host";
  const id = `${service}-${version}-${host}-${inboundPort}`;
  if (ZInstanceId.safeParse(id).success) return id;
  // Too long: keep the parts that tell instances apart.
  const tail = `-${inboundPort}`;
  return `${service}-${version}-${host}`.slice(0, 128 - tail.length) + tail;
}
