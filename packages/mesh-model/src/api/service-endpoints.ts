// The endpoints of one service with the breaker state each calling sidecar reports for them: who is
// ejected, since when, why, and how often in the window (issue 4's "breaker state and ejections per
// endpoint as reported by the sidecars", shown on the console's service detail page).
import { z } from "zod";
import { ZInstanceId, ZServiceName, ZVersion } from "../identity";
import { BREAKER_REASONS, BREAKER_STATES } from "../telemetry";
import { ZHealth, ZWindow } from "./console-api";

export const ENDPOINTS_API = {
  endpoints: (service: string) => `/api/v1/services/${encodeURIComponent(service)}/endpoints`,
  endpointsRoute: "/api/v1/services/:name/endpoints",
} as const;

export const ZEndpointsQuery = z.object({ window: ZWindow.default("1h") });
export type EndpointsQuery = z.infer<typeof ZEndpointsQuery>;

export const ZBreakerState = z.enum(BREAKER_STATES);
export const ZBreakerReason = z.enum(BREAKER_REASONS);

/** One calling sidecar's view of the endpoint, from its latest report. */
export const ZEndpointReport = z.strictObject({
  /** The reporting sidecar's instance id, and its service. */
  reporter: ZInstanceId,
  reporterService: ZServiceName,
  state: ZBreakerState,
  reason: ZBreakerReason,
  /** When the breaker entered `state`, as the reporter's clock says; null if it did not say. */
  since: z.iso.datetime().nullable(),
  /** Its active health checks of the endpoint; null if it did not say. */
  healthy: z.boolean().nullable(),
  /** Ejections this reporter made within the window. */
  ejections: z.int(),
  lastEjectionAt: z.iso.datetime().nullable(),
  reportedAt: z.iso.datetime(),
  /** The reporter stopped reporting: this view is its last word, not the present. */
  stale: z.boolean(),
});
export type EndpointReport = z.infer<typeof ZEndpointReport>;

export const ZServiceEndpoint = z.strictObject({
  instanceId: ZInstanceId,
  /** From the registry; null for an endpoint known only from reports (since deleted). */
  version: ZVersion.nullable(),
  address: z.string().nullable(),
  /** Its lease is valid and it has not deregistered. */
  up: z.boolean(),
  /** failing when down; degraded when a fresh view has it open, half-open or failing health checks. */
  health: ZHealth,
  /**
   * The worst state among fresh reports (open > half-open > closed). Sidecars report every endpoint,
   * but the control plane stores only views that ever left "closed, healthy, never ejected", so no
   * fresh report means closed.
   */
  breaker: ZBreakerState,
  /** Ejections by all reporters within the window. */
  ejections: z.int(),
  reports: z.array(ZEndpointReport),
});
export type ServiceEndpoint = z.infer<typeof ZServiceEndpoint>;

export const ZServiceEndpointsResponse = z.strictObject({
  service: ZServiceName,
  window: z.string(),
  generatedAt: z.iso.datetime(),
  endpoints: z.array(ZServiceEndpoint),
});
export type ServiceEndpointsResponse = z.infer<typeof ZServiceEndpointsResponse>;
