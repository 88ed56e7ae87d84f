// Who is making a change: the logged-in user (or "token:<name>" for an API token), never what the
// request claims. Needs the editor role; a body's `author` is ignored (the parameter stays so that
// callers written before login compile).
import type { FastifyRequest } from "fastify";
import { requireRole } from "../auth/request-auth";

export function actorOf(request: FastifyRequest, _claimedAuthor?: string): string {
  return requireRole(request, "editor").username;
}
