// Query keys of the graph feature: the API snapshot per window, and the layout per graph structure.
export const graphKeys = {
  all: ["graph"] as const,
  snapshot: (window: string) => [...graphKeys.all, "snapshot", { window }] as const,
  layout: (structureKey: string) => [...graphKeys.all, "layout", structureKey] as const,
};
