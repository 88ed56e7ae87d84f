// Random secrets and their hashes. Session ids and API tokens are 256-bit random values; only their
// SHA-256 is stored, so a copy of the database cannot be replayed as a cookie or a bearer token.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** 32 random bytes, base64url (43 characters). */
export const newSecret = (): string => randomBytes(32).toString("base64url");

export const sha256Hex = (value: string): string => createHash("sha256").update(value, "utf8").digest("hex");

/** Constant-time comparison of two strings (compares their hashes, so lengths do not leak). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}
