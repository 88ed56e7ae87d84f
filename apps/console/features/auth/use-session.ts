"use client";
// The logged-in operator, from the control plane (GET /api/v1/session), shared by every component.
import { useQuery } from "@tanstack/react-query";
import { roleAtLeast, type Role } from "@trellis/mesh-model";
import { fetchSession } from "../../lib/api-client";

export const SESSION_QUERY_KEY = ["session"] as const;

export function useSession() {
  return useQuery({ queryKey: SESSION_QUERY_KEY, queryFn: ({ signal }) => fetchSession(signal), staleTime: 60_000 });
}

/** True once the session is known to allow `role`; false while loading, so edit controls appear only when allowed. */
export function useCan(role: Role): boolean {
  const session = useSession();
  return session.data !== undefined && roleAtLeast(session.data.user.role, role);
}
