// Query keys of the policy feature; every cache entry of it starts with policyKeys.all.
export const policyKeys = {
  all: ["policy"] as const,
  service: (service: string) => [...policyKeys.all, service] as const,
  current: (service: string) => [...policyKeys.service(service), "current"] as const,
  revisions: (service: string) => [...policyKeys.service(service), "revisions"] as const,
  diff: (service: string, from: number, to: number) => [...policyKeys.service(service), "diff", { from, to }] as const,
};
