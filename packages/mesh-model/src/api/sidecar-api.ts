// The contract between a sidecar and the control plane: register, heartbeat, config stream, ACK/NACK.
import { z } from "zod";
import { ZHost, ZInstanceId, ZLabels, ZPort, ZServiceName, ZVersion } from "../identity";

export const SIDECAR_API = {
  register: "/api/v1/sidecars/register",
  heartbeat: (id: string) => `/api/v1/sidecars/${encodeURIComponent(id)}/heartbeat`,
  /** Server-Sent Events: each `bundle` event carries one whole Bundle as JSON. */
  config: (id: string) => `/api/v1/sidecars/${encodeURIComponent(id)}/config`,
  ack: (id: string) => `/api/v1/sidecars/${encodeURIComponent(id)}/ack`,
  deregister: (id: string) => `/api/v1/sidecars/${encodeURIComponent(id)}`,
} as const;

/** SSE event name for a bundle. */
export const CONFIG_EVENT_BUNDLE = "bundle";

export const ZRegisterRequest = z.strictObject({
  instanceId: ZInstanceId,
  service: ZServiceName,
  version: ZVersion,
  /** Address other sidecars use to reach this one's inbound listener. */
  host: ZHost,
  inboundPort: ZPort,
  labels: ZLabels.default({}),
});
export type RegisterRequest = z.infer<typeof ZRegisterRequest>;

export const ZRegisterResponse = z.strictObject({
  instanceId: ZInstanceId,
  leaseTtlMs: z.int().min(1),
  heartbeatIntervalMs: z.int().min(1),
});
export type RegisterResponse = z.infer<typeof ZRegisterResponse>;

export const ZAckRequest = z.strictObject({
  revision: z.int().min(0),
  accepted: z.boolean(),
  /** The validation error, for a NACK. */
  error: z.string().max(4096).optional(),
});
export type AckRequest = z.infer<typeof ZAckRequest>;
