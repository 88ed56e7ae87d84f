// Login, logout and "who am I" (mesh-model's AUTH_API.session), users (admin) and API tokens (admin).
import {
  AUTH_API,
  SESSION_COOKIE,
  ZCreateTokenRequest,
  ZCreateUserRequest,
  ZLoginRequest,
  ZSetPasswordRequest,
  ZTokenName,
  ZUsername,
  type CreatedToken,
  type SessionResponse,
  type TokensResponse,
  type UserSummary,
  type UsersResponse,
} from "@trellis/mesh-model";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { parseInput } from "../http/parse-input";
import { ForbiddenError, RateLimitedError } from "./auth-errors";
import type { AuthService } from "./auth-service";
import { crossOriginProblem, isHttps, requireAuth, requireRole } from "./request-auth";

export interface AuthRouteDeps {
  auth: AuthService;
  allowedOrigins: readonly string[];
}

const ZUserParams = z.object({ username: ZUsername });
const ZTokenParams = z.object({ name: ZTokenName });

function sessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const parts = [`${SESSION_COOKIE}=${value}`, "Path=/", "HttpOnly", "SameSite=Strict", `Max-Age=${maxAgeSeconds}`];
  if (isHttps(request)) parts.push("Secure");
  return parts.join("; ");
}

const noStore = (reply: FastifyReply) => reply.header("cache-control", "no-store");

export function authRoutes(app: FastifyInstance, deps: AuthRouteDeps): void {
  const { auth } = deps;

  app.post(AUTH_API.session, async (request, reply) => {
    // Login CSRF: a browser's login must come from an allowed origin (scripts send no Origin).
    const problem = crossOriginProblem(request, deps.allowedOrigins, false);
    if (problem !== null) throw new ForbiddenError(`cross-origin login refused: ${problem}`);
    const body = parseInput(ZLoginRequest, request.body, "body");
    try {
      const result = await auth.login(body.username, body.password, request.ip);
      const maxAge = Math.max(0, Math.floor((result.expiresAt.getTime() - Date.now()) / 1000));
      const answer: SessionResponse = { user: result.principal, expiresAt: result.expiresAt.toISOString() };
      return noStore(reply).header("set-cookie", sessionCookie(request, result.sessionId, maxAge)).send(answer);
    } catch (err) {
      if (err instanceof RateLimitedError) void reply.header("retry-after", String(err.retryAfterSeconds));
      throw err;
    }
  });

  app.get(AUTH_API.session, async (request, reply) => {
    const who = requireAuth(request);
    const answer: SessionResponse = { user: who.principal, expiresAt: who.session ? who.session.expiresAt.toISOString() : null };
    return noStore(reply).send(answer);
  });

  app.delete(AUTH_API.session, async (request, reply) => {
    const who = requireAuth(request);
    await auth.logout(who);
    return reply.header("set-cookie", sessionCookie(request, "", 0)).status(204).send();
  });

  const summary = (u: { username: string; role: UserSummary["role"]; createdAt: Date }): UserSummary => ({ username: u.username, role: u.role, createdAt: u.createdAt.toISOString() });

  app.get(AUTH_API.users, async (request): Promise<UsersResponse> => {
    requireRole(request, "admin");
    return { users: (await auth.listUsers()).map(summary) };
  });

  app.post(AUTH_API.users, async (request, reply) => {
    const by = requireRole(request, "admin");
    const body = parseInput(ZCreateUserRequest, request.body, "body");
    return reply.status(201).send(summary(await auth.createUser(body, by)));
  });

  app.delete("/api/v1/users/:username", async (request, reply) => {
    const by = requireRole(request, "admin");
    const { username } = parseInput(ZUserParams, request.params, "params");
    await auth.deleteUser(username, by);
    return reply.status(204).send();
  });

  app.put("/api/v1/users/:username/password", async (request, reply) => {
    // Any role reaches the service, which lets non-admins change only their own password.
    const who = requireAuth(request);
    requireRole(request, "viewer");
    const { username } = parseInput(ZUserParams, request.params, "params");
    const { password } = parseInput(ZSetPasswordRequest, request.body, "body");
    await auth.setPassword(username, password, who);
    return reply.status(204).send();
  });

  const tokenSummary = (t: { name: string; role: UserSummary["role"]; createdBy: string; createdAt: Date }) => ({
    name: t.name,
    role: t.role,
    createdBy: t.createdBy,
    createdAt: t.createdAt.toISOString(),
  });

  app.get(AUTH_API.tokens, async (request): Promise<TokensResponse> => {
    requireRole(request, "admin");
    return { tokens: (await auth.listTokens()).map(tokenSummary) };
  });

  app.post(AUTH_API.tokens, async (request, reply) => {
    const by = requireRole(request, "admin");
    const body = parseInput(ZCreateTokenRequest, request.body, "body");
    const { record, token } = await auth.createToken(body, by);
    const answer: CreatedToken = { ...tokenSummary(record), token };
    return noStore(reply).status(201).send(answer);
  });

  app.delete("/api/v1/tokens/:name", async (request, reply) => {
    const by = requireRole(request, "admin");
    const { name } = parseInput(ZTokenParams, request.params, "params");
    await auth.deleteToken(name, by);
    return reply.status(204).send();
  });
}
