// Join tokens: each is bound to one service and lets that service's sidecars obtain (and renew) its
// certificate. Only a SHA-256 of the token is stored; the token is shown once, when it is created.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { CaRepository, JoinTokenRecord } from "../db";
import { InvalidJoinTokenError } from "./ca-errors";

export const JOIN_TOKEN_PREFIX = "trellis-join-";

export interface JoinTokenView {
  id: string;
  service: string;
  createdAt: string;
  expiresAt: string | null;
}

const hashOf = (token: string): string => createHash("sha256").update(token).digest("hex");

const viewOf = (r: JoinTokenRecord): JoinTokenView => ({ id: r.id, service: r.service, createdAt: r.createdAt.toISOString(), expiresAt: r.expiresAt?.toISOString() ?? null });

export class JoinTokens {
  constructor(
    private readonly store: CaRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(service: string, createdBy: string, ttlMs?: number): Promise<JoinTokenView & { token: string }> {
    const token = JOIN_TOKEN_PREFIX + randomBytes(32).toString("base64url");
    const now = this.now();
    const record: JoinTokenRecord = { id: randomUUID(), tokenHash: hashOf(token), service, createdBy, createdAt: now, expiresAt: ttlMs === undefined ? null : new Date(now.getTime() + ttlMs) };
    await this.store.insertJoinToken(record);
    return { ...viewOf(record), token };
  }

  /** The token's record, or InvalidJoinTokenError: unknown, expired or malformed tokens all look alike. */
  async verify(token: string | undefined): Promise<JoinTokenRecord> {
    if (!token || !token.startsWith(JOIN_TOKEN_PREFIX) || token.length > 128) throw new InvalidJoinTokenError();
    const record = await this.store.findJoinToken(hashOf(token));
    if (!record || (record.expiresAt && record.expiresAt <= this.now())) throw new InvalidJoinTokenError();
    return record;
  }

  async list(): Promise<JoinTokenView[]> {
    return (await this.store.listJoinTokens()).map(viewOf);
  }

  delete(id: string): Promise<boolean> {
    return this.store.deleteJoinToken(id);
  }
}

/** The token of an `authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = header?.match(/^Bearer ([A-Za-z0-9_-]{1,128})$/);
  return m?.[1];
}
