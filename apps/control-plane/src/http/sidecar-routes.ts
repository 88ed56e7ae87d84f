// The sidecar API (mesh-model's SIDECAR_API): register, heartbeat, deregister, the SSE config stream
// and ACK/NACK. Each route parses its input, checks the sidecar's join token against the service and
// instance it acts on (auth/sidecar-auth.ts; the hook verified the token), calls one service and answers.
import { ZAckRequest, ZInstanceId, ZRegisterRequest } from "@trellis/mesh-model";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { ConfigHub } from "../push/config-hub";
import type { RegistryService } from "../registry/registry-service";
import type { AckRequest } from "@trellis/mesh-model";
import { requireRole } from "../auth/request-auth";
import type { SidecarAuth } from "../auth/sidecar-auth";
import { parseInput } from "./parse-input";
import { SseConfigSink } from "./sse-config-sink";

export interface SidecarRouteDeps {
  registry: RegistryService;
  sidecarAuth: SidecarAuth;
  hub: ConfigHub;
  recordAnswer: (instanceId: string, answer: AckRequest) => Promise<void>;
  /** How long a config stream may stall on one bundle before it is cut. */
  sseSlowTimeoutMs: number;
}

const ZInstanceParams = z.object({ id: ZInstanceId });

// The literal forms of SIDECAR_API's paths (its builders percent-encode the ":id" placeholder).
const REGISTER = "/api/v1/sidecars/register";
const INSTANCE = "/api/v1/sidecars/:id";
export const REGISTRY_STATUS = "/api/v1/registry";

export function sidecarRoutes(app: FastifyInstance, deps: SidecarRouteDeps): void {
  // The instance's own sidecar (its join token), or an operator who may change the mesh.
  const actAs = async (request: FastifyRequest, target: { service?: string; instanceId: string }): Promise<void> => {
    if (request.auth !== null) requireRole(request, "editor");
    else await deps.sidecarAuth.require(request, target);
  };

  app.post(REGISTER, async (request) => {
    const body = parseInput(ZRegisterRequest, request.body, "body");
    await actAs(request, { service: body.service, instanceId: body.instanceId });
    return deps.registry.register(body);
  });

  app.post(`${INSTANCE}/heartbeat`, async (request) => {
    const { id } = parseInput(ZInstanceParams, request.params, "params");
    await actAs(request, { instanceId: id });
    return deps.registry.heartbeat(id);
  });

  app.delete(INSTANCE, async (request, reply) => {
    const { id } = parseInput(ZInstanceParams, request.params, "params");
    await actAs(request, { instanceId: id });
    await deps.registry.deregister(id);
    return reply.status(204).send();
  });

  app.post(`${INSTANCE}/ack`, async (request, reply) => {
    const { id } = parseInput(ZInstanceParams, request.params, "params");
    const answer = parseInput(ZAckRequest, request.body, "body");
    await actAs(request, { instanceId: id });
    await deps.recordAnswer(id, answer);
    return reply.status(204).send();
  });

  // The registry's own state: today its self-preservation guard (see registry/self-preservation.ts).
  // An operator read (not on the allow-list): a session or token with any role.
  app.get(REGISTRY_STATUS, async (request) => {
    requireRole(request, "viewer");
    return { selfPreservation: deps.registry.selfPreservation() };
  });

  app.get(`${INSTANCE}/config`, async (request, reply) => {
    const { id } = parseInput(ZInstanceParams, request.params, "params");
    await actAs(request, { instanceId: id });
    // Usually known from the hub's latest mesh read (a mass reconnect is then no read per stream).
    const instance = deps.hub.liveInstance(id) ?? (await deps.registry.streamTarget(id));
    // From here on the response is ours: an endless event stream.
    reply.hijack();
    const sink = new SseConfigSink(reply.raw, deps.sseSlowTimeoutMs);
    sink.open();
    const unsubscribe = deps.hub.subscribe({ instanceId: instance.instanceId, service: instance.service, version: instance.version }, sink);
    reply.raw.on("close", unsubscribe);
  });
}
