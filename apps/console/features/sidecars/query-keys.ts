// Query keys of the sidecars feature.
export const sidecarsKeys = {
  all: ["sidecars"] as const,
  list: () => [...sidecarsKeys.all, "list"] as const,
};
