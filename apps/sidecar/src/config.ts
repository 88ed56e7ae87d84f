// The sidecar's settings: each `--flag` also reads `TRELLIS_FLAG` (the flag wins) and has a default.
// Parsed once here with zod; nothing else reads process.env.
import { parseArgs } from "node:util";
import { z } from "zod";
import { parseDuration, ZInstanceId, ZServiceName, ZTrustDomain, ZVersion } from "@trellis/mesh-model";
import { LOG_LEVELS } from "./log";

interface FlagSpec {
  name: string;
  default?: string;
  help: string;
}

const FLAGS: readonly FlagSpec[] = [
  { name: "service", help: "Name of the service this sidecar sits beside (required)" },
  { name: "version", default: "v1", help: "Version of that service" },
  { name: "app-host", default: "127.0.0.1", help: "Host of the local app that inbound traffic is forwarded to" },
  { name: "app-port", help: "Port of the local app (required)" },
  { name: "outbound-port", default: "15001", help: "Outbound proxy port on 127.0.0.1 (the app's HTTP_PROXY); 0 picks a free one" },
  { name: "inbound-port", default: "15006", help: "Inbound port for mesh traffic from other sidecars; 0 picks a free one" },
  { name: "admin-port", default: "15000", help: "Admin port (/healthz, /ready, /config, /stats), always on 127.0.0.1; 0 picks a free one" },
  { name: "bind-host", default: "127.0.0.1", help: "Address the inbound listener binds to" },
  { name: "advertise-host", default: "127.0.0.1", help: "Address registered with the control plane, where other sidecars reach the inbound port" },
  { name: "control-plane", default: "http://127.0.0.1:7070", help: "Control plane base URL" },
  { name: "otlp-endpoint", default: "http://127.0.0.1:4318", help: "OTLP/HTTP base URL that metrics are exported to (/v1/metrics is appended)" },
  { name: "instance-id", help: "Instance id (default: <service>-<version>-<hostname>-<inbound port>)" },
  { name: "cache-dir", help: "Where the last good bundle is kept (default: ./data/sidecar/<instance-id>)" },
  { name: "metrics-interval", default: "5s", help: "How often metrics are exported" },
  { name: "drain-timeout", default: "5s", help: "How long in-flight requests may finish on SIGTERM" },
  { name: "max-header-bytes", default: "16384", help: "Largest request line + headers a listener accepts; larger is refused with 431" },
  { name: "max-header-count", default: "100", help: "Most request header fields a listener accepts; more is refused with 431" },
  { name: "headers-timeout", default: "10s", help: "How long a client may take to send a request's headers; later is refused with 408" },
  { name: "join-token", help: "Join token for this service, from the control plane's CA (POST /api/v1/ca/join-tokens); also sent on every control-plane call (register, heartbeat, config stream, ACK); without it the sidecar has no mTLS identity and a control plane with --sidecar-auth required refuses it" },
  { name: "trust-domain", default: "trellis.local", help: "Trust domain of the mesh's identities (spiffe://<trust-domain>/service/<name>)" },
  { name: "log-level", default: "info", help: `Log level: ${LOG_LEVELS.join(", ")}` },
];

const ZPortNumber = z.coerce.number().int().min(0).max(65535);
const ZHttpUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ""));
const ZMs = (min: number) =>
  z
    .string()
    .transform((s, ctx) => {
      const ms = parseDuration(s);
      if (ms === undefined) ctx.addIssue({ code: "custom", message: 'must be a duration such as "500ms" or "5s"' });
      return ms ?? 0;
    })
    .pipe(z.number().min(min, `must be at least ${min}ms`));

const ZConfig = z.strictObject({
  service: ZServiceName,
  version: ZVersion,
  appHost: z.string().min(1),
  appPort: z.coerce.number().int().min(1).max(65535),
  outboundPort: ZPortNumber,
  inboundPort: ZPortNumber,
  adminPort: ZPortNumber,
  bindHost: z.string().min(1),
  advertiseHost: z.string().min(1).max(255),
  controlPlane: ZHttpUrl,
  otlpEndpoint: ZHttpUrl,
  instanceId: ZInstanceId.optional(),
  cacheDir: z.string().min(1).optional(),
  metricsIntervalMs: ZMs(100),
  drainTimeoutMs: ZMs(0),
  maxHeaderBytes: z.coerce.number().int().min(1024).max(1_048_576),
  maxHeaderCount: z.coerce.number().int().min(1).max(10_000),
  headersTimeoutMs: ZMs(100),
  joinToken: z.string().min(1).max(128).optional(),
  trustDomain: ZTrustDomain,
  logLevel: z.enum(LOG_LEVELS),
});
export type SidecarConfig = z.infer<typeof ZConfig>;

export type ConfigResult = { kind: "config"; config: SidecarConfig } | { kind: "help"; text: string } | { kind: "error"; message: string };

export function envName(flag: string): string {
  return `TRELLIS_${flag.toUpperCase().replace(/-/g, "_")}`;
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
/** Duration flags are named for what they are, their fields for their unit. */
const FIELD: Record<string, string> = { "metrics-interval": "metricsIntervalMs", "drain-timeout": "drainTimeoutMs", "headers-timeout": "headersTimeoutMs" };

export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ConfigResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(FLAGS.map((f) => [f.name, { type: "string" as const }]));
    values = parseArgs({ args: [...argv], options: { ...options, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false }).values;
  } catch (err) {
    return { kind: "error", message: `${err instanceof Error ? err.message : String(err)}\n\n${helpText()}` };
  }
  if (values.help) return { kind: "help", text: helpText() };
  const raw: Record<string, string> = {};
  for (const f of FLAGS) {
    const flag = values[f.name];
    const value = typeof flag === "string" ? flag : env[envName(f.name)] || f.default;
    if (value !== undefined) raw[FIELD[f.name] ?? camel(f.name)] = value;
  }
  const parsed = ZConfig.safeParse(raw);
  if (parsed.success) return { kind: "config", config: parsed.data };
  const toFlag = (field: PropertyKey) => FLAGS.find((f) => (FIELD[f.name] ?? camel(f.name)) === field)?.name ?? String(field);
  const lines = parsed.error.issues.map((i) => {
    const flag = toFlag(i.path[0] ?? "");
    const missing = raw[String(i.path[0])] === undefined;
    return missing ? `--${flag} (or ${envName(flag)}) is required` : `--${flag}: ${i.message}`;
  });
  return { kind: "error", message: `${lines.join("\n")}\n\nRun with --help to see every option.` };
}

export function helpText(): string {
  const rows = FLAGS.map((f) => {
    const def = f.default === undefined ? "" : ` (default: ${f.default})`;
    return `  --${f.name.padEnd(18)} ${f.help}${def}\n  ${"".padEnd(20)} env ${envName(f.name)}`;
  });
  return [
    "trellis sidecar: the proxy beside one service instance",
    "",
    "Usage: tsx apps/sidecar/src/main.ts --service <name> --app-port <port> [options]",
    "",
    "Options (each flag also reads the env var shown; the flag wins):",
    ...rows,
    "  --help, -h           Show this help",
    "",
  ].join("\n");
}
