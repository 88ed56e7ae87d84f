// The REST API server (sidecars and console): Fastify with our JSON parsing, one error handler that
// answers every failure with the ApiError body, and the route groups.
import { randomUUID } from "node:crypto";
import type { ApiError } from "@trellis/mesh-model";
import Fastify, { type FastifyInstance } from "fastify";
import { RateLimitedError } from "../auth/auth-errors";
import { authRoutes, type AuthRouteDeps } from "../auth/auth-routes";
import { installRequestAuth } from "../auth/request-auth";
import { recordRoutes } from "../auth/route-list";
import { NotFoundError } from "../errors";
import type { Logger } from "../log";
import { caRoutes, type CaRouteDeps } from "./ca-routes";
import { consoleRoutes, type ConsoleRouteDeps } from "./console-routes";
import { endpointStateRoutes, type EndpointStateRouteDeps } from "./endpoint-state-routes";
import { HTTP_STATUS, toTrellisError } from "./error-status";
import { clientErrorHandler, frameworkErrorResponse, type ErrorRenderer } from "./framework-errors";
import { policyRoutes, type PolicyRouteDeps } from "./policy-routes";
import { sidecarRoutes, type SidecarRouteDeps } from "./sidecar-routes";

export type ApiServerDeps = SidecarRouteDeps & ConsoleRouteDeps & EndpointStateRouteDeps & PolicyRouteDeps & Omit<CaRouteDeps, "log"> & AuthRouteDeps & { log: Logger };

const API_BODY_LIMIT = 1024 * 1024;

const renderApiError: ErrorRenderer = (_status, code, message) => {
  const body: ApiError = { error: { code, message } };
  return { contentType: "application/json; charset=utf-8", body: Buffer.from(JSON.stringify(body)) };
};

export function buildApiServer(deps: ApiServerDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: API_BODY_LIMIT,
    requestIdHeader: "x-request-id",
    genReqId: () => randomUUID(),
    frameworkErrors: (error, _request, reply) => {
      const { status, contentType, body } = frameworkErrorResponse(renderApiError, error);
      // Written raw: Fastify's reply types are generic over route schemas this hook does not have.
      reply.hijack();
      reply.raw.writeHead(status, { "content-type": contentType, "content-length": body.length }).end(body);
    },
    clientErrorHandler: clientErrorHandler(renderApiError),
  });

  // Fastify's JSON parser, except that an empty body is "no body" (a bodiless POST with a JSON
  // content type is common) and lets the route's schema say whether a body was required.
  const json = app.getDefaultJsonParser("error", "error");
  recordRoutes(app);
  // JSON only: anything else is a 415 (Fastify would otherwise also read text/plain).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") return done(null, undefined);
    json(request, text, done);
  });

  app.setErrorHandler((err, request, reply) => {
    const error = toTrellisError(err);
    const status = HTTP_STATUS[error.code];
    if (status >= 500) deps.log.error("request_failed", { reqId: request.id, method: request.method, url: request.url, err });
    const body: ApiError = { error: { code: error.code, message: error.message, ...(error.path ? { path: error.path } : {}) } };
    if (error instanceof RateLimitedError) void reply.header("retry-after", String(error.retryAfterSeconds));
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request) => {
    throw new NotFoundError(`no route for ${request.method} ${request.url.split("?")[0]}`);
  });
  app.addHook("onResponse", async (request, reply) => {
    deps.log.debug("http_request", { reqId: request.id, method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) });
  });

  // Before any route: every route not on auth/access.ts's allow-list needs a session or a token.
  installRequestAuth(app, deps);
  authRoutes(app, deps);
  sidecarRoutes(app, deps);
  consoleRoutes(app, deps);
  endpointStateRoutes(app, deps);
  policyRoutes(app, deps);
  caRoutes(app, deps);
  return app;
}
