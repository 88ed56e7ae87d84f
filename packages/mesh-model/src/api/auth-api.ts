// Operator authentication: login sessions, users with roles, and API tokens for automation.
import { z } from "zod";

export const AUTH_API = {
  session: "/api/v1/session",
  users: "/api/v1/users",
  user: (username: string) => `/api/v1/users/${encodeURIComponent(username)}`,
  userPassword: (username: string) => `/api/v1/users/${encodeURIComponent(username)}/password`,
  tokens: "/api/v1/tokens",
  token: (name: string) => `/api/v1/tokens/${encodeURIComponent(name)}`,
} as const;

/** The session cookie's name (HttpOnly, SameSite=Strict, Path=/; Secure over https). */
export const SESSION_COOKIE = "trellis_session";

export const ROLES = ["viewer", "editor", "admin"] as const;
export const ZRole = z.enum(ROLES);
export type Role = z.infer<typeof ZRole>;

/** What a role may do, lowest first: viewer reads, editor also changes policies, admin also manages users and tokens. */
export const ROLE_RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };
export const roleAtLeast = (role: Role, needed: Role): boolean => ROLE_RANK[role] >= ROLE_RANK[needed];

export const ZUsername = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "must be lowercase letters, digits, '.', '_' or '-', starting with a letter or digit");

/** At least 12 characters; at most 256 (scrypt hashes whatever it is given, so bound the work). */
export const ZPassword = z.string().min(12, "must be at least 12 characters").max(256, "must be at most 256 characters");

export const ZLoginRequest = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) });
export type LoginRequest = z.infer<typeof ZLoginRequest>;

export const ZPrincipal = z.strictObject({
  /** The user's name, or "token:<name>" for an API token. */
  username: z.string(),
  role: ZRole,
  via: z.enum(["session", "token"]),
});
export type Principal = z.infer<typeof ZPrincipal>;

export const ZSessionResponse = z.strictObject({
  user: ZPrincipal,
  /** When the session ends (ISO time); null for a token. */
  expiresAt: z.string().nullable(),
});
export type SessionResponse = z.infer<typeof ZSessionResponse>;

export const ZUserSummary = z.strictObject({ username: z.string(), role: ZRole, createdAt: z.string() });
export type UserSummary = z.infer<typeof ZUserSummary>;
export const ZUsersResponse = z.strictObject({ users: z.array(ZUserSummary) });
export type UsersResponse = z.infer<typeof ZUsersResponse>;

export const ZCreateUserRequest = z.strictObject({ username: ZUsername, password: ZPassword, role: ZRole });
export type CreateUserRequest = z.infer<typeof ZCreateUserRequest>;
export const ZSetPasswordRequest = z.strictObject({ password: ZPassword });

export const ZTokenName = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9._-]*$/, "must be lowercase letters, digits, '.', '_' or '-'");
export const ZCreateTokenRequest = z.strictObject({ name: ZTokenName, role: ZRole });
export type CreateTokenRequest = z.infer<typeof ZCreateTokenRequest>;
export const ZTokenSummary = z.strictObject({ name: z.string(), role: ZRole, createdBy: z.string(), createdAt: z.string() });
export type TokenSummary = z.infer<typeof ZTokenSummary>;
export const ZTokensResponse = z.strictObject({ tokens: z.array(ZTokenSummary) });
export type TokensResponse = z.infer<typeof ZTokensResponse>;
/** The token itself is shown once, here; only its hash is stored. */
export const ZCreatedToken = ZTokenSummary.extend({ token: z.string() });
export type CreatedToken = z.infer<typeof ZCreatedToken>;
