// The control plane's settings: every flag `--foo-bar` also reads env TRELLIS_FOO_BAR (the flag wins)
// and has a default. Parsed once, here, with zod; nothing else reads process.env or argv.
import path from "node:path";
import { parseArgs } from "node:util";
import { parseDuration, ZAuthorizationAction, ZMtlsMode, ZTrustDomain } from "@trellis/mesh-model";
import { z } from "zod";
import { SIDECAR_AUTH_MODES } from "./auth/sidecar-auth";
import { parseByteSize } from "./byte-size";

interface FlagSpec {
  key: keyof RawConfig;
  flag: string;
  /** Extra env names read after TRELLIS_*, in order (DATABASE_URL is the ecosystem's convention). */
  alsoEnv?: readonly string[];
  defaultValue: (cwd: string) => string;
  description: string;
}

type RawConfig = Record<
  | "trustDomain"
  | "certTtl"
  | "caCertFile"
  | "caKeyFile"
  | "caSignRate"
  | "mtlsMode"
  | "authorizationDefault"
  | "sidecarAuth"
  | "apiHost"
  | "apiPort"
  | "otlpHttpHost"
  | "otlpHttpPort"
  | "otlpGrpcHost"
  | "otlpGrpcPort"
  | "databaseUrl"
  | "leaseTtl"
  | "selfPreservationThreshold"
  | "selfPreservationMinInstances"
  | "revisionPoll"
  | "retention10s"
  | "retention1m"
  | "maxOtlpBody"
  | "maxOtlpInFlight"
  | "maxOtlpInFlightBytes"
  | "otlpLatencyTarget"
  | "maxSeries"
  | "adminPassword"
  | "apiToken"
  | "sessionTtl"
  | "allowedOrigins"
  | "logLevel",
  string
>;

export const FLAGS: readonly FlagSpec[] = [
  { key: "apiHost", flag: "api-host", defaultValue: () => "127.0.0.1", description: "address of the REST API (sidecars and console)" },
  { key: "apiPort", flag: "api-port", defaultValue: () => "7070", description: "port of the REST API; 0 picks a free one" },
  { key: "otlpHttpHost", flag: "otlp-http-host", defaultValue: () => "127.0.0.1", description: "address of the OTLP/HTTP receiver" },
  { key: "otlpHttpPort", flag: "otlp-http-port", defaultValue: () => "4318", description: "port of the OTLP/HTTP receiver; 0 picks a free one" },
  { key: "otlpGrpcHost", flag: "otlp-grpc-host", defaultValue: () => "127.0.0.1", description: "address of the OTLP/gRPC receiver" },
  {
    key: "otlpGrpcPort",
    flag: "otlp-grpc-port",
    defaultValue: () => "4317",
    description: "port of the OTLP/gRPC receiver; 0 picks a free one (the default when --otlp-http-port is 0)",
  },
  {
    key: "databaseUrl",
    flag: "database-url",
    alsoEnv: ["DATABASE_URL"],
    defaultValue: (cwd) => `file:${path.join(cwd, "data", "trellis.db")}`,
    description: "file: (SQLite) or postgresql:// URL",
  },
  { key: "leaseTtl", flag: "lease-ttl", defaultValue: () => "15s", description: "how long a sidecar stays registered without a heartbeat (heartbeats every third of it)" },
  {
    key: "selfPreservationThreshold",
    flag: "self-preservation-threshold",
    defaultValue: () => "0.5",
    description: "stop expiring leases while fewer than this share of the instances renewed in the last half lease (0..1; 0 turns the guard off)",
  },
  {
    key: "selfPreservationMinInstances",
    flag: "self-preservation-min-instances",
    defaultValue: () => "3",
    description: "the self-preservation guard only acts when at least this many instances are expected to renew",
  },
  {
    key: "revisionPoll",
    flag: "revision-poll",
    defaultValue: () => "5s",
    description: "how often the stored mesh revision is compared with the last one pushed: the fallback that catches changes whose notification was missed (PostgreSQL replicas notify each other at once)",
  },
  { key: "retention10s", flag: "retention-10s", defaultValue: () => "6h", description: "how long 10-second rollups are kept" },
  { key: "retention1m", flag: "retention-1m", defaultValue: () => "7d", description: "how long 1-minute rollups are kept" },
  { key: "maxOtlpBody", flag: "max-otlp-body", defaultValue: () => "4MiB", description: "largest OTLP body accepted, after decompression (bytes, or e.g. 4MiB)" },
  {
    key: "maxOtlpInFlight",
    flag: "max-otlp-in-flight",
    defaultValue: () => "64",
    description: "the most OTLP exports (HTTP and gRPC) being read, stored or waiting for the rollup writer at once (the adaptive limit's ceiling, see --otlp-latency-target); more are shed with 429/RESOURCE_EXHAUSTED",
  },
  {
    key: "maxOtlpInFlightBytes",
    flag: "max-otlp-in-flight-bytes",
    defaultValue: () => "64MiB",
    description: "body bytes (after decompression) of the OTLP exports admitted and not yet answered; past it exports are shed with 429/RESOURCE_EXHAUSTED (one export alone is always admitted)",
  },
  {
    key: "otlpLatencyTarget",
    flag: "otlp-latency-target",
    defaultValue: () => "1s",
    description: "an admitted OTLP export should be answered within this: the in-flight limit grows while exports are answered in time and shrinks when one is not (up to --max-otlp-in-flight)",
  },
  {
    key: "maxSeries",
    flag: "max-series",
    defaultValue: () => "50000",
    description: "distinct rollup series (edge x version x response class x outcome x mTLS) active in the last hour; points of new series beyond it are rejected (partial success) and counted in /healthz ingest.series",
  },
  {
    key: "adminPassword",
    flag: "admin-password",
    defaultValue: () => "",
    description: "password of the user admin (at least 12 characters); without it the first start generates one and prints it once (event admin_created); given later, it resets admin's password",
  },
  {
    key: "apiToken",
    flag: "api-token",
    defaultValue: () => "",
    description: "an admin bearer token for bootstrap automation (at least 24 characters; prefer the env variable, argv is visible to other users); none by default",
  },
  { key: "sessionTtl", flag: "session-ttl", defaultValue: () => "12h", description: "how long a console login lasts (5m..30d)" },
  {
    key: "allowedOrigins",
    flag: "allowed-origins",
    defaultValue: () => "",
    description: "comma-separated origins (e.g. https://console.example) that may send cookie-carrying changes besides the request's own host; none by default",
  },
  { key: "trustDomain", flag: "trust-domain", defaultValue: () => "trellis.local", description: "trust domain of the mesh's identities (spiffe://<trust-domain>/service/<name>)" },
  { key: "certTtl", flag: "cert-ttl", defaultValue: () => "1h", description: "lifetime of the certificates the CA signs for sidecars (they renew at half of it); 2s..24h" },
  { key: "caCertFile", flag: "ca-cert-file", defaultValue: () => "", description: "PEM file of an external CA root certificate (with --ca-key-file); empty: a root generated on first start and kept in the database" },
  { key: "caKeyFile", flag: "ca-key-file", defaultValue: () => "", description: "PEM file (PKCS#8, ECDSA P-256) of the external root's private key" },
  { key: "caSignRate", flag: "ca-sign-rate", defaultValue: () => "5", description: "certificate signings per second per join token (twice that at once); the whole CA allows 20 times it" },
  { key: "mtlsMode", flag: "mtls-mode", defaultValue: () => "strict", description: "mesh-wide mTLS mode, overridable per service in its policy: strict (mutual TLS only; sidecars need a join token) or permissive (plaintext accepted too, for migration)" },
  { key: "authorizationDefault", flag: "authorization-default", defaultValue: () => "allow", description: "mesh-wide authorization default when no rule decides, overridable per service: allow or deny" },
  {
    key: "sidecarAuth",
    flag: "sidecar-auth",
    defaultValue: () => "required",
    description: "required: every sidecar API call (register, heartbeat, config stream, ACK) needs the sidecar's join token, acting only as that token's service; optional: sidecars without a token are let in too (development only; a token presented is still checked)",
  },
  { key: "logLevel", flag: "log-level", defaultValue: () => "info", description: "debug, info, warn or error" },
];

const SECRET_FLAGS: ReadonlySet<keyof RawConfig> = new Set(["adminPassword", "apiToken"]);

export const envName = (flag: string): string => `TRELLIS_${flag.toUpperCase().replaceAll("-", "_")}`;

const ZPortText = z
  .string()
  .regex(/^\d+$/, "must be a port number")
  .transform(Number)
  .pipe(z.int().min(0, "must be 0..65535").max(65535, "must be 0..65535"));

const span = (min: number, max: number, what: string) =>
  z
    .string()
    .transform((s, ctx) => {
      const ms = parseDuration(s);
      if (ms === undefined || ms < min || ms > max) {
        ctx.addIssue({ code: "custom", message: `must be ${what}, such as "15s", "6h" or "7d"` });
        return z.NEVER;
      }
      return ms;
    });

const ZConfig = z.object({
  apiHost: z.string().min(1),
  apiPort: ZPortText,
  otlpHttpHost: z.string().min(1),
  otlpHttpPort: ZPortText,
  otlpGrpcHost: z.string().min(1),
  otlpGrpcPort: ZPortText,
  databaseUrl: z.string().regex(/^(file:|postgres(ql)?:\/\/)/, "must start with file: or postgresql://"),
  leaseTtlMs: span(300, 3_600_000, "a span between 300ms and 1h"),
  revisionPollMs: span(100, 3_600_000, "a span between 100ms and 1h"),
  selfPreservationThreshold: z
    .string()
    .regex(/^(0|1|0?\.\d+|1\.0*)$/, "must be a share between 0 and 1, such as 0.5")
    .transform(Number),
  selfPreservationMinInstances: z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.int().min(1, "must be 1..1000000").max(1_000_000, "must be 1..1000000")),
  retention10sMs: span(60_000, 30 * 86_400_000, "a span between 1m and 30d"),
  retention1mMs: span(60_000, 400 * 86_400_000, "a span between 1m and 400d"),
  maxOtlpBodyBytes: z.string().transform((s, ctx) => {
    const bytes = parseByteSize(s);
    if (bytes === undefined || bytes < 1024 || bytes > 1024 ** 3) {
      ctx.addIssue({ code: "custom", message: 'must be a size between 1KiB and 1GiB, such as "4MiB" or 65536' });
      return z.NEVER;
    }
    return bytes;
  }),
  maxOtlpInFlight: z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.int().min(1, "must be 1..100000").max(100_000, "must be 1..100000")),
  maxOtlpInFlightBytes: z.string().transform((s, ctx) => {
    const bytes = parseByteSize(s);
    if (bytes === undefined || bytes < 1024 || bytes > 64 * 1024 ** 3) {
      ctx.addIssue({ code: "custom", message: 'must be a size between 1KiB and 64GiB, such as "64MiB"' });
      return z.NEVER;
    }
    return bytes;
  }),
  otlpLatencyTargetMs: span(100, 60_000, "a span between 100ms and 1m"),
  maxSeries: z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.int().min(1, "must be 1..10000000").max(10_000_000, "must be 1..10000000")),
  adminPassword: z
    .string()
    .transform((s) => (s === "" ? undefined : s))
    .pipe(z.string().min(12, "must be at least 12 characters").max(256).optional()),
  apiToken: z
    .string()
    .transform((s) => (s === "" ? undefined : s))
    .pipe(z.string().min(24, "must be at least 24 characters").max(512).regex(/^\S+$/, "must not contain spaces").optional()),
  sessionTtlMs: span(5 * 60_000, 30 * 86_400_000, "a span between 5m and 30d"),
  allowedOrigins: z
    .string()
    .transform((s) => s.split(",").map((o) => o.trim()).filter((o) => o !== ""))
    .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, "must be origins such as https://console.example (scheme, host, optional port; no path)"))),
  trustDomain: ZTrustDomain,
  certTtlMs: span(2_000, 86_400_000, "a span between 2s and 24h"),
  caCertFile: z.string().transform((s) => (s === "" ? undefined : s)),
  caKeyFile: z.string().transform((s) => (s === "" ? undefined : s)),
  caSignRate: z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.int().min(1, "must be 1..10000").max(10_000, "must be 1..10000")),
  mtlsMode: ZMtlsMode,
  authorizationDefault: ZAuthorizationAction,
  sidecarAuth: z.enum(SIDECAR_AUTH_MODES),
  logLevel: z.enum(["debug", "info", "warn", "error"]),
});
export type Config = z.infer<typeof ZConfig>;

/** Which config field each raw value feeds (the zod schema names derived values by their unit). */
const FIELD: Record<keyof RawConfig, keyof Config> = {
  apiHost: "apiHost",
  apiPort: "apiPort",
  otlpHttpHost: "otlpHttpHost",
  otlpHttpPort: "otlpHttpPort",
  otlpGrpcHost: "otlpGrpcHost",
  otlpGrpcPort: "otlpGrpcPort",
  databaseUrl: "databaseUrl",
  leaseTtl: "leaseTtlMs",
  selfPreservationThreshold: "selfPreservationThreshold",
  selfPreservationMinInstances: "selfPreservationMinInstances",
  revisionPoll: "revisionPollMs",
  retention10s: "retention10sMs",
  retention1m: "retention1mMs",
  maxOtlpBody: "maxOtlpBodyBytes",
  maxOtlpInFlight: "maxOtlpInFlight",
  maxOtlpInFlightBytes: "maxOtlpInFlightBytes",
  otlpLatencyTarget: "otlpLatencyTargetMs",
  maxSeries: "maxSeries",
  adminPassword: "adminPassword",
  apiToken: "apiToken",
  sessionTtl: "sessionTtlMs",
  allowedOrigins: "allowedOrigins",
  trustDomain: "trustDomain",
  certTtl: "certTtlMs",
  caCertFile: "caCertFile",
  caKeyFile: "caKeyFile",
  caSignRate: "caSignRate",
  mtlsMode: "mtlsMode",
  authorizationDefault: "authorizationDefault",
  sidecarAuth: "sidecarAuth",
  logLevel: "logLevel",
};

export type ConfigResult = { kind: "config"; config: Config } | { kind: "help"; text: string } | { kind: "error"; message: string };

export function helpText(cwd: string): string {
  const lines = ["Usage: trellis control-plane [flags]", "", "Flags (each also read from the environment variable shown; the flag wins):", ""];
  for (const f of FLAGS) {
    const envs = [envName(f.flag), ...(f.alsoEnv ?? [])].join(", ");
    lines.push(`  --${f.flag} <value>`, `      ${f.description}`, `      env: ${envs}; default: ${f.defaultValue(cwd)}`);
  }
  lines.push("  --help", "      print this help");
  return lines.join("\n");
}

export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, cwd: string): ConfigResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(FLAGS.map((f) => [f.flag, { type: "string" as const }]));
    values = parseArgs({ args: [...argv], options: { ...options, help: { type: "boolean" } }, strict: true, allowPositionals: false }).values;
  } catch (err) {
    return { kind: "error", message: err instanceof Error ? err.message : String(err) };
  }
  if (values.help === true) return { kind: "help", text: helpText(cwd) };

  const raw: Partial<RawConfig> = {};
  for (const f of FLAGS) {
    const fromFlag = values[f.flag];
    const fromEnv = [envName(f.flag), ...(f.alsoEnv ?? [])].map((name) => env[name]).find((v) => v !== undefined && v !== "");
    raw[f.key] = typeof fromFlag === "string" ? fromFlag : (fromEnv ?? f.defaultValue(cwd));
  }
  // Whoever asks for a free OTLP/HTTP port (tests, `trellis up`, several control planes on one host)
  // would otherwise collide on the fixed gRPC port without having heard of it.
  const grpcPortGiven = typeof values["otlp-grpc-port"] === "string" || (env[envName("otlp-grpc-port")] ?? "") !== "";
  if (!grpcPortGiven && raw.otlpHttpPort === "0") raw.otlpGrpcPort = "0";
  const input = Object.fromEntries(FLAGS.map((f) => [FIELD[f.key], raw[f.key]]));
  const parsed = ZConfig.safeParse(input);
  if (parsed.success) return { kind: "config", config: parsed.data };
  const messages = parsed.error.issues.map((issue) => {
    const spec = FLAGS.find((f) => FIELD[f.key] === issue.path[0]);
    // Secrets are never echoed (stderr may end up in logs).
    const shown = spec && SECRET_FLAGS.has(spec.key) ? "(hidden)" : JSON.stringify(spec ? raw[spec.key] : "");
    return spec ? `--${spec.flag} ${shown}: ${issue.message}` : issue.message;
  });
  return { kind: "error", message: messages.join("; ") };
}

/** Heartbeats come three times per lease so that one lost heartbeat never expires an instance. */
export const heartbeatIntervalMs = (config: Pick<Config, "leaseTtlMs">): number => Math.max(1, Math.floor(config.leaseTtlMs / 3));
