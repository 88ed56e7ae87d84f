// The certificate authority's API (mesh-model's CA_API): sidecars sign a CSR with their join token;
// operators create and delete join tokens and rotate trust roots; anyone may read the trust bundle.
import { CA_API, ZAddRootRequest, ZCreateJoinTokenRequest, ZSignRequest, parseDuration } from "@trellis/mesh-model";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { SigningRateLimitedError } from "../ca/ca-errors";
import type { CertificateAuthority } from "../ca/certificate-authority";
import { bearerToken, type JoinTokens } from "../ca/join-tokens";
import type { SignRateLimiter } from "../ca/sign-rate-limit";
import { NotFoundError } from "../errors";
import type { Logger } from "../log";
import { requireRole } from "../auth/request-auth";
import { actorOf } from "./actor";
import { parseInput } from "./parse-input";

export interface CaRouteDeps {
  ca: CertificateAuthority;
  joinTokens: JoinTokens;
  signLimiter: SignRateLimiter;
  log: Logger;
}

const ZIdParams = z.object({ id: z.string().min(1).max(64) });

export function caRoutes(app: FastifyInstance, deps: CaRouteDeps): void {
  const { ca, joinTokens, signLimiter, log } = deps;

  app.post(CA_API.sign, async (request, reply) => {
    // The token is checked before the body is looked at, and signing is rate limited per token.
    const token = await joinTokens.verify(bearerToken(request.headers.authorization));
    const wait = signLimiter.take(token.id);
    if (wait > 0) {
      void reply.header("retry-after", String(wait));
      throw new SigningRateLimitedError(wait);
    }
    const { csr } = parseInput(ZSignRequest, request.body, "body");
    const signed = await ca.sign(csr, token.service);
    log.info("certificate_signed", { service: token.service, tokenId: token.id, notAfter: signed.notAfter });
    return signed;
  });

  app.get(CA_API.bundle, async () => ({ trustBundle: ca.trustBundle(), roots: ca.rootViews() }));

  // Join tokens and trust roots are the mesh's keys: admins only (checked here, not only by the hook).
  app.post(CA_API.joinTokens, async (request, reply) => {
    requireRole(request, "admin");
    const body = parseInput(ZCreateJoinTokenRequest, request.body, "body");
    const created = await joinTokens.create(body.service, actorOf(request, undefined), body.ttl === undefined ? undefined : parseDuration(body.ttl));
    log.info("join_token_created", { id: created.id, service: created.service, expiresAt: created.expiresAt });
    return reply.status(201).send(created);
  });

  app.get(CA_API.joinTokens, async (request) => {
    requireRole(request, "admin");
    return { joinTokens: await joinTokens.list() };
  });

  app.delete(`${CA_API.joinTokens}/:id`, async (request, reply) => {
    requireRole(request, "admin");
    const { id } = parseInput(ZIdParams, request.params, "params");
    if (!(await joinTokens.delete(id))) throw new NotFoundError(`no join token ${id}`);
    return reply.status(204).send();
  });

  app.get(CA_API.roots, async (request) => {
    requireRole(request, "viewer");
    return { roots: ca.rootViews() };
  });

  app.post(CA_API.roots, async (request, reply) => {
    requireRole(request, "admin");
    const body = parseInput(ZAddRootRequest, request.body ?? {}, "body");
    return reply.status(201).send(await ca.addRoot(body.activate ?? false));
  });

  app.post(`${CA_API.roots}/:id/activate`, async (request) => {
    requireRole(request, "admin");
    const { id } = parseInput(ZIdParams, request.params, "params");
    if (!(await ca.activateRoot(id))) throw new NotFoundError(`no root ${id}`);
    return { roots: ca.rootViews() };
  });

  app.delete(`${CA_API.roots}/:id`, async (request, reply) => {
    requireRole(request, "admin");
    const { id } = parseInput(ZIdParams, request.params, "params");
    if (!(await ca.removeRoot(id))) throw new NotFoundError(`no root ${id}`);
    return reply.status(204).send();
  });
}
