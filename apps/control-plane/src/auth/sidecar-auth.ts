// Sidecars authenticate to the sidecar API with their join token (`authorization: Bearer <token>`),
// the same one they sign their certificates with. A token is bound to one service: it registers,
// renews, streams config and answers only as instances of that service. The request-auth hook
// verifies the token; every sidecar handler then calls requireSidecar with what it acts on.
import type { FastifyRequest } from "fastify";
import { JOIN_TOKEN_PREFIX, type JoinTokens } from "../ca/join-tokens";
import { ForbiddenError, UnauthorizedError } from "./auth-errors";

/** `required`: no join token, no sidecar API (the default). `optional`: tokenless sidecars are let in (development). */
export const SIDECAR_AUTH_MODES = ["required", "optional"] as const;
export type SidecarAuthMode = (typeof SIDECAR_AUTH_MODES)[number];

/** Whom a sidecar API call acts for: a join token's service, or anyone (`optional` mode, no credentials). */
export type SidecarCaller = { kind: "token"; service: string; tokenId: string } | { kind: "anonymous" };

export interface SidecarAuthDeps {
  mode: SidecarAuthMode;
  joinTokens: Pick<JoinTokens, "verifyRecent">;
  /** The service an instance id is registered for (and not deregistered), if any. */
  instanceService(instanceId: string): Promise<string | undefined>;
}

export const isJoinToken = (bearer: string | undefined): bearer is string => bearer !== undefined && bearer.startsWith(JOIN_TOKEN_PREFIX);

export const NO_JOIN_TOKEN = "the sidecar API needs the sidecar's join token (authorization: Bearer <join token>, the sidecar's --join-token)";

export class SidecarAuth {
  constructor(private readonly deps: SidecarAuthDeps) {}

  get mode(): SidecarAuthMode {
    return this.deps.mode;
  }

  /** A presented join token is always verified (401 when unknown, expired or deleted), in either mode. */
  async verify(bearer: string): Promise<SidecarCaller> {
    const record = await this.deps.joinTokens.verifyRecent(bearer);
    return { kind: "token", service: record.service, tokenId: record.id };
  }

  /** The caller when the request carries no join token: anyone in `optional` mode, else 401. */
  withoutJoinToken(): SidecarCaller {
    if (this.deps.mode === "optional") return { kind: "anonymous" };
    throw new UnauthorizedError(NO_JOIN_TOKEN);
  }

  /**
   * The handlers' own check: the request was authenticated as a sidecar, its token's service is the
   * one it acts as, and the instance it names (if already registered) belongs to that service.
   */
  async require(request: FastifyRequest, target: { service?: string; instanceId: string }): Promise<SidecarCaller> {
    const caller = request.sidecar;
    if (caller === null) throw new UnauthorizedError(NO_JOIN_TOKEN);
    if (caller.kind === "anonymous") return caller;
    if (target.service !== undefined && target.service !== caller.service) {
      throw new ForbiddenError(`this join token is for service ${caller.service}; it cannot act as ${target.service}`);
    }
    const owner = await this.deps.instanceService(target.instanceId);
    if (owner !== undefined && owner !== caller.service) {
      throw new ForbiddenError(`instance ${target.instanceId} is registered for service ${owner}; this join token is for ${caller.service}`);
    }
    return caller;
  }
}
