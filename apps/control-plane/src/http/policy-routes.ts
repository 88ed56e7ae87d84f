// The policy API (mesh-model's POLICY_API) and the audit log. Each route parses its input, calls the
// policy service once and answers.
import { ZAuditQuery, ZPolicyDiffQuery, ZPutPolicyRequest, ZResetPolicyRequest, ZRollbackRequest, ZServiceName } from "@trellis/mesh-model";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { PolicyService } from "../policies/policy-service";
import { requireRole } from "../auth/request-auth";
import { actorOf } from "./actor";
import { parseInput } from "./parse-input";

export interface PolicyRouteDeps {
  policies: PolicyService;
}

const ZServiceParams = z.object({ service: ZServiceName });
const ZRevisionParams = z.object({ service: ZServiceName, revision: z.coerce.number().pipe(z.int().min(0)) });

// The literal forms of POLICY_API's paths (its builders percent-encode the placeholders).
const POLICIES = "/api/v1/policies";
const POLICY = `${POLICIES}/:service`;

export function policyRoutes(app: FastifyInstance, deps: PolicyRouteDeps): void {
  const { policies } = deps;

  app.get(POLICIES, async (request) => {
    requireRole(request, "viewer");
    return policies.list();
  });

  app.get(POLICY, async (request) => {
    requireRole(request, "viewer");
    const { service } = parseInput(ZServiceParams, request.params, "params");
    return policies.current(service);
  });

  app.put(POLICY, async (request) => {
    const actor = actorOf(request);
    const { service } = parseInput(ZServiceParams, request.params, "params");
    const body = parseInput(ZPutPolicyRequest, request.body, "body");
    return policies.put(service, body.spec, { actor, message: body.message });
  });

  app.delete(POLICY, async (request) => {
    const actor = actorOf(request);
    const { service } = parseInput(ZServiceParams, request.params, "params");
    const body = parseInput(ZResetPolicyRequest, request.body ?? {}, "body");
    return policies.reset(service, { actor, message: body.message });
  });

  app.get(`${POLICY}/revisions`, async (request) => {
    requireRole(request, "viewer");
    const { service } = parseInput(ZServiceParams, request.params, "params");
    return policies.revisions(service);
  });

  app.get(`${POLICY}/revisions/:revision`, async (request) => {
    requireRole(request, "viewer");
    const { service, revision } = parseInput(ZRevisionParams, request.params, "params");
    return policies.revision(service, revision);
  });

  app.get(`${POLICY}/diff`, async (request) => {
    requireRole(request, "viewer");
    const { service } = parseInput(ZServiceParams, request.params, "params");
    const { from, to } = parseInput(ZPolicyDiffQuery, request.query, "query");
    return policies.diff(service, from, to);
  });

  app.post(`${POLICY}/rollback`, async (request, reply) => {
    const actor = actorOf(request);
    const { service } = parseInput(ZServiceParams, request.params, "params");
    const body = parseInput(ZRollbackRequest, request.body, "body");
    const saved = await policies.rollback(service, body.revision, { actor, message: body.message });
    return reply.status(201).send(saved);
  });

  app.post(`${POLICY}/preview`, async (request) => {
    requireRole(request, "editor");
    const { service } = parseInput(ZServiceParams, request.params, "params");
    return policies.preview(service, request.body);
  });

  app.get("/api/v1/audit", async (request) => {
    requireRole(request, "viewer");
    const { limit } = parseInput(ZAuditQuery, request.query, "query");
    return policies.audit(limit);
  });
}
