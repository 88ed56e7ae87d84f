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

/** How long a verified token is trusted without asking the store again (sidecar API calls, not signings). */
export const JOIN_TOKEN_RECHECK_MS = 5_000;
const MAX_RECENT = 10_000;

export class JoinTokens {
  /** Tokens verified lately, by hash: heartbeats and ACKs of a fleet would otherwise read the store on every call. */
  private readonly recent = new Map<string, { record: JoinTokenRecord; checkedAt: number }>();

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

  /**
   * As verify, but a token verified in the last JOIN_TOKEN_RECHECK_MS is trusted without a store read:
   * a token deleted here stops at once, one deleted through another replica within that time.
   */
  async verifyRecent(token: string | undefined): Promise<JoinTokenRecord> {
    if (!token || !token.startsWith(JOIN_TOKEN_PREFIX) || token.length > 128) throw new InvalidJoinTokenError();
    const hash = hashOf(token);
    const now = this.now();
    const hit = this.recent.get(hash);
    if (hit && now.getTime() - hit.checkedAt < JOIN_TOKEN_RECHECK_MS && !(hit.record.expiresAt && hit.record.expiresAt <= now)) return hit.record;
    this.recent.delete(hash);
    const record = await this.verify(token);
    if (this.recent.size >= MAX_RECENT) this.recent.clear();
    this.recent.set(hash, { record, checkedAt: now.getTime() });
    return record;
  }

  async list(): Promise<JoinTokenView[]> {
    return (await this.store.listJoinTokens()).map(viewOf);
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.store.deleteJoinToken(id);
    for (const [hash, { record }] of this.recent) if (record.id === id) this.recent.delete(hash);
    return deleted;
  }
}

/** The token of an `authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = header?.match(/^Bearer ([A-Za-z0-9_-]{1,128})$/);
  return m?.[1];
}
