// The one place a demo process reads its flags and env (see flags.ts), parsed once with zod.
import { z } from "zod";
import { type Env, type FlagSpec, parseFlags, renderHelp, UsageError, LOG_LEVELS } from "@trellis/process-kit";

export const DEMO_SERVICES = ["frontend", "catalog", "reviews", "ratings", "loadgen"] as const;
export type DemoService = (typeof DEMO_SERVICES)[number];

export const DEMO_FLAGS: readonly FlagSpec[] = [
  { name: "host", default: "127.0.0.1", help: "Address to listen on (the sidecar reaches the app here)" },
  { name: "port", default: "0", help: "Port to listen on; 0 picks a free one (printed in the listening line)" },
  { name: "version", default: "v1", help: "Version label of this instance (reviews v2 calls ratings and is slower)" },
  { name: "outbound", default: "http://127.0.0.1:15001", help: "The own sidecar's outbound listener; every call to another service goes there with Host: <service>" },
  { name: "error-rate", defaultLabel: "catalog 0.02, ratings 0.05, others 0", help: "Share of requests answered with --error-status, 0..1" },
  { name: "error-status", defaultLabel: "ratings 503, others 500", help: "Status of injected failures" },
  { name: "delay-rate", defaultLabel: "reviews v2 0.25, others 0", help: "Share of requests delayed by --delay-ms, 0..1" },
  { name: "delay-ms", default: "200-800", help: "Injected delay in ms, a number or a range such as 200-800" },
  { name: "fault-scale", default: "1", help: "Multiplies the error and delay rates; 0 turns every injected fault off" },
  { name: "call-timeout", default: "3000", help: "Timeout in ms of each call to a dependency" },
  { name: "rate", default: "10", help: "loadgen only: requests per second (at most 500)" },
  { name: "target", default: "frontend", help: "loadgen only: the service to send traffic to" },
  { name: "path", default: "/", help: "loadgen only: the path to request" },
  { name: "duration", default: "0", help: "loadgen only: seconds to send traffic, then exit; 0 runs until stopped" },
  { name: "max-in-flight", default: "50", help: "loadgen only: requests allowed in flight; ticks beyond it are counted as dropped" },
  { name: "log-level", default: "info", help: "debug logs every request; info, warn or error" },
];

const ZRate = z.coerce.number().min(0).max(1);
const ZDelayRange = z
  .string()
  .regex(/^\d+(-\d+)?$/, "must be a number of ms or a range such as 200-800")
  .transform((s) => {
    const [lo, hi] = s.split("-").map(Number);
    return { minMs: lo ?? 0, maxMs: hi ?? lo ?? 0 };
  })
  .refine((r) => r.maxMs >= r.minMs && r.maxMs <= 60_000, "the range must be ordered and at most 60000 ms");

const ZDemoConfig = z.object({
  service: z.enum(DEMO_SERVICES),
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/),
  outbound: z.url({ protocol: /^http$/ }),
  errorRate: ZRate.optional(),
  errorStatus: z.coerce.number().int().min(500).max(599).optional(),
  delayRate: ZRate.optional(),
  delay: ZDelayRange,
  faultScale: z.coerce.number().min(0).max(100),
  callTimeoutMs: z.coerce.number().int().min(1).max(60_000),
  rate: z.coerce.number().positive().max(500),
  target: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/),
  path: z.string().startsWith("/"),
  durationS: z.coerce.number().min(0),
  maxInFlight: z.coerce.number().int().min(1).max(1000),
  logLevel: z.enum(LOG_LEVELS),
});
export type DemoConfig = z.infer<typeof ZDemoConfig>;

export const DEMO_USAGE = `demo <${DEMO_SERVICES.join("|")}> [flags]`;
export const DEMO_SUMMARY =
  "Runs one demo service of the Trellis sample mesh (frontend -> catalog -> reviews -> ratings, and a loadgen).";

const FLAG_OF_KEY: Record<string, string> = {
  errorRate: "error-rate",
  errorStatus: "error-status",
  delayRate: "delay-rate",
  delay: "delay-ms",
  faultScale: "fault-scale",
  callTimeoutMs: "call-timeout",
  durationS: "duration",
  maxInFlight: "max-in-flight",
  logLevel: "log-level",
};

export type ParsedDemoArgs = { help: string } | { config: DemoConfig };

export function parseDemoArgs(argv: readonly string[], env: Env): ParsedDemoArgs {
  const { values, positionals, help } = parseFlags(DEMO_FLAGS, argv, env);
  if (help) return { help: renderHelp(DEMO_USAGE, DEMO_SUMMARY, DEMO_FLAGS) };
  if (positionals.length !== 1) throw new UsageError(`expected one service name (${DEMO_SERVICES.join(", ")})`);
  const parsed = ZDemoConfig.safeParse({
    service: positionals[0],
    host: values.host,
    port: values.port,
    version: values.version,
    outbound: values.outbound,
    errorRate: values["error-rate"],
    errorStatus: values["error-status"],
    delayRate: values["delay-rate"],
    delay: values["delay-ms"],
    faultScale: values["fault-scale"],
    callTimeoutMs: values["call-timeout"],
    rate: values.rate,
    target: values.target,
    path: values.path,
    durationS: values.duration,
    maxInFlight: values["max-in-flight"],
    logLevel: values["log-level"],
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? "");
    const what = key === "service" ? "service name" : `--${FLAG_OF_KEY[key] ?? key}`;
    throw new UsageError(`invalid ${what}: ${issue?.message ?? "invalid value"}`);
  }
  return { config: parsed.data };
}
