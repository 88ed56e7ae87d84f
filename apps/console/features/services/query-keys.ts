// Query keys of the services feature; every cache entry of it starts with servicesKeys.all.
export const servicesKeys = {
  all: ["services"] as const,
  list: (window: string) => [...servicesKeys.all, "list", { window }] as const,
};
