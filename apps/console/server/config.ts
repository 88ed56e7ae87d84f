// The console server's runtime settings, parsed once from the environment when first needed
// (not at build time, so one build can point at any control plane).
import { z } from "zod";

const ZConsoleServerConfig = z.object({
  /** Base URL of the control plane's API that /api/* and /healthz are forwarded to. */
  apiUrl: z
    .url({ protocol: /^https?$/, error: "TRELLIS_API_URL must be an http(s) URL, such as http://127.0.0.1:7070" })
    .transform((u) => u.replace(/\/+$/, "")),
  /** Upstream connect + response-header deadline, ms. */
  upstreamTimeoutMs: z.coerce.number().int().min(100).max(300_000),
});
export type ConsoleServerConfig = z.infer<typeof ZConsoleServerConfig>;

export const DEFAULT_API_URL = "http://127.0.0.1:7070";

export function parseConsoleServerConfig(env: Record<string, string | undefined>): ConsoleServerConfig {
  return ZConsoleServerConfig.parse({
    apiUrl: nonEmpty(env.TRELLIS_API_URL) ?? DEFAULT_API_URL,
    upstreamTimeoutMs: nonEmpty(env.TRELLIS_API_TIMEOUT_MS) ?? "10000",
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

let cached: ConsoleServerConfig | undefined;

/** The config of this process; the only place in the console that reads process.env. */
export function consoleServerConfig(): ConsoleServerConfig {
  cached ??= parseConsoleServerConfig(process.env);
  return cached;
}
