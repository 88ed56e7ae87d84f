// Query keys of the service detail page (the series) and of the policies list the graph's badges use.
export const detailKeys = {
  all: ["service-detail"] as const,
  series: (service: string, range: { window: string } | { from: string; to: string }) => [...detailKeys.all, service, "series", range] as const,
  policies: () => [...detailKeys.all, "policies"] as const,
  endpoints: (service: string, window: string) => [...detailKeys.all, service, "endpoints", window] as const,
};
