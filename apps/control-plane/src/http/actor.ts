// Who is making a change. Until operators log in (a later issue), the author a request claims is
// taken as given and defaults to "anonymous"; login replaces this one function with the session's user.
import type { FastifyRequest } from "fastify";

export const ANONYMOUS = "anonymous";

export function actorOf(_request: FastifyRequest, claimedAuthor: string | undefined): string {
  return claimedAuthor ?? ANONYMOUS;
}
