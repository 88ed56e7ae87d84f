// Child output, re-emitted as our own JSON lines: a child's JSON event gets a `proc` field naming
// the child; anything else (a stack trace, a tool's banner) is wrapped as an `output` event.

export type Stream = "stdout" | "stderr";

function asObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? { ...value } : undefined;
  } catch {
    return undefined;
  }
}

export function forwardedLine(proc: string, stream: Stream, line: string, now: () => Date = () => new Date()): string | undefined {
  if (line.trim() === "") return undefined;
  const event = asObject(line);
  if (event) return JSON.stringify({ proc, ...event });
  return JSON.stringify({
    time: now().toISOString(),
    level: stream === "stderr" ? "warn" : "info",
    event: "output",
    proc,
    stream,
    message: line,
  });
}

/** The parsed line when it is a child's `"event":"listening"` announcement. */
export function listeningEvent(line: string): Record<string, unknown> | undefined {
  if (!line.includes('"listening"')) return undefined;
  const event = asObject(line);
  return event?.event === "listening" ? event : undefined;
}
