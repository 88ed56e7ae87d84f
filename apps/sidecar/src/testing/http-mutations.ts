// Generated mutations of a valid HTTP request (bytes inserted, deleted or replaced, lines repeated),
// for the property and abuse tests of the sidecar's listeners.
import fc from "fast-check";

/** Bytes that matter to an HTTP parser: NUL, CTLs, tab, LF, CR, space, separators, DEL, high bit, token and digit. */
export const INTERESTING = [0x00, 0x01, 0x09, 0x0a, 0x0d, 0x20, 0x2c, 0x3a, 0x3b, 0x7f, 0xff, 0x61, 0x30, 0x2d];
export type Mutation = { kind: "insert" | "replace"; at: number; byte: number } | { kind: "delete"; at: number } | { kind: "repeat-line"; line: number };
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom("insert" as const, "replace" as const), at: fc.nat(), byte: fc.constantFrom(...INTERESTING) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("repeat-line" as const), line: fc.nat(6) }),
);

export function mutate(base: string, mutations: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(base, "latin1");
  for (const m of mutations) {
    if (m.kind === "repeat-line") {
      const lines = bytes.toString("latin1").split("\r\n");
      const i = 1 + (m.line % Math.max(1, lines.length - 2));
      if (lines[i]) lines.splice(i, 0, lines[i]!);
      bytes = Buffer.from(lines.join("\r\n"), "latin1");
      continue;
    }
    const at = m.at % Math.max(1, bytes.length);
    if (m.kind === "insert") bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([m.byte]), bytes.subarray(at)]);
    else if (m.kind === "replace") bytes[at] = m.byte;
    else bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
  }
  return bytes;
}
