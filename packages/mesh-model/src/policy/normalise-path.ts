// One normalisation of a request path, used for the authorization decision and for the request that is
// forwarded, so both see the same path. Anything that could mean two different paths to two different
// parsers (an encoded slash, a double encoding, a path parameter) is refused rather than guessed at.

export type NormalisedPath = { ok: true; path: string; query: string } | { ok: false; reason: string };

const HEX = /^[0-9A-Fa-f]{2}$/;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * `target` is origin-form ("/a/b?q"). Returns the normalised path (dot segments resolved, `..` above
 * the root clamped at it, runs of slashes collapsed, backslashes as slashes, unreserved characters
 * decoded, other escapes upper-cased) and the query unchanged (with its "?"), or why it was refused.
 */
export function normalisePath(target: string): NormalisedPath {
  const q = target.indexOf("?");
  const raw = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? "" : target.slice(q);
  if (!raw.startsWith("/") && !raw.startsWith("\\")) return { ok: false, reason: "the path must start with /" };
  let decoded = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    const code = c.charCodeAt(0);
    if (code <= 0x20 || code >= 0x7f) return { ok: false, reason: "the path has a control, space or non-ASCII character" };
    if (c === "#") return { ok: false, reason: "the path has a fragment" };
    if (c === ";") return { ok: false, reason: "the path has a path parameter (;)" };
    if (c === "\\") {
      decoded += "/";
      continue;
    }
    if (c !== "%") {
      decoded += c;
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return { ok: false, reason: "the path has a malformed percent-encoding" };
    i += 2;
    const byte = parseInt(hex, 16);
    const ch = String.fromCharCode(byte);
    if (ch === "/" || ch === "\\") return { ok: false, reason: "the path has an encoded slash or backslash" };
    if (ch === "%") return { ok: false, reason: "the path has an encoded percent sign (double encoding)" };
    if (byte < 0x20 || byte === 0x7f) return { ok: false, reason: "the path has an encoded control character" };
    decoded += UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
  }
  const out: string[] = [];
  const parts = decoded.split("/");
  let trailing = false;
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i]!;
    const last = i === parts.length - 1;
    if (seg === "" || seg === ".") {
      if (last) trailing = true;
      continue;
    }
    if (seg === "..") {
      out.pop();
      if (last) trailing = true;
      continue;
    }
    out.push(seg);
    trailing = false;
  }
  const path = "/" + out.join("/") + (trailing && out.length > 0 ? "/" : "");
  return { ok: true, path, query };
}

/** Prefix match on segment boundaries ("/api" matches "/api" and "/api/x", not "/apix"), as routes do. */
export function pathHasPrefix(path: string, prefix: string): boolean {
  if (prefix.endsWith("/")) return path.startsWith(prefix);
  return path === prefix || path.startsWith(prefix + "/");
}
