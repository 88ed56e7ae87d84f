// DATABASE_URL decides the provider: `file:` is SQLite (embedded default), `postgres://` or
// `postgresql://` is PostgreSQL (production, several replicas).
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export type DatabaseTarget =
  | { provider: "sqlite"; url: string; path: string }
  | { provider: "postgresql"; url: string };

export class UnsupportedDatabaseUrlError extends Error {
  readonly code = "unsupported_database_url";
  constructor(url: string) {
    // Never echo the URL itself: it may carry a password.
    super(`DATABASE_URL must start with file:, postgres:// or postgresql:// (got "${url.split(":")[0]}:...")`);
  }
}

export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith("file:")) return { provider: "sqlite", url, path: sqlitePath(url) };
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return { provider: "postgresql", url };
  throw new UnsupportedDatabaseUrlError(url);
}

/** `file:data/trellis.db` is relative to the working directory; `file:/abs` and `file:///abs` are absolute. */
function sqlitePath(url: string): string {
  const withoutQuery = url.split("?")[0] ?? url;
  const path = withoutQuery.startsWith("file://") ? fileURLToPath(withoutQuery) : withoutQuery.slice("file:".length);
  return isAbsolute(path) ? path : resolve(path);
}
