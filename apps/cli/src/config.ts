// The flags of the supervising commands (`demo`, `up`), parsed once with zod from argv and env.
// control-plane, console and sidecar forward their flags untouched to the app, which parses them.
import path from "node:path";
import { z } from "zod";
import { type Env, type FlagSpec, parseFlags, UsageError, LOG_LEVELS } from "@trellis/process-kit";

const DATA_DIR: FlagSpec = { name: "data-dir", default: "./data", help: "Folder for the SQLite database and the sidecars' config caches" };
const DATABASE_URL: FlagSpec = {
  name: "database-url",
  env: ["TRELLIS_DATABASE_URL", "DATABASE_URL"],
  defaultLabel: "file:<data-dir>/trellis.db",
  help: "Database of the control plane: file: (SQLite) or postgresql://",
};
const LOG_LEVEL: FlagSpec = { name: "log-level", default: "info", help: "Log level passed to every process: debug, info, warn or error" };
const START_TIMEOUT: FlagSpec = { name: "start-timeout", default: "60", help: "Seconds each process may take to print its listening line" };

export const UP_FLAGS: readonly FlagSpec[] = [
  { name: "api-host", default: "127.0.0.1", help: "Address of the control plane's REST API" },
  { name: "api-port", default: "7070", help: "Port of the control plane's REST API; 0 picks a free one" },
  { name: "otlp-http-host", default: "127.0.0.1", help: "Address of the OTLP/HTTP receiver" },
  { name: "otlp-http-port", default: "4318", help: "Port of the OTLP/HTTP receiver; 0 picks a free one" },
  { name: "console-host", default: "127.0.0.1", help: "Address of the console" },
  { name: "console-port", default: "3000", help: "Port of the console; 0 picks a free one" },
  DATA_DIR,
  DATABASE_URL,
  LOG_LEVEL,
  START_TIMEOUT,
];

export const DEMO_FLAGS: readonly FlagSpec[] = [
  { name: "console-port", default: "3000", help: "Port of the console; 0 picks a free one" },
  { name: "api-port", default: "7070", help: "Port of the control plane's REST API; 0 picks a free one" },
  { name: "otlp-http-port", default: "4318", help: "Port of the OTLP/HTTP receiver; 0 picks a free one" },
  DATA_DIR,
  DATABASE_URL,
  { name: "rate", default: "10", help: "Requests per second loadgen sends to frontend (at most 500)" },
  { name: "console", boolean: true, default: "true", help: "Start the console (--no-console runs the mesh without Next.js)" },
  { name: "fault-scale", default: "1", help: "Multiplies the demo services' injected errors and delays; 0 turns them off" },
  { name: "fresh", boolean: true, default: "false", help: "Delete the demo's SQLite database first instead of reusing it" },
  LOG_LEVEL,
  START_TIMEOUT,
];

const ZPort = z.coerce.number().int().min(0).max(65535);
const ZLogLevel = z.enum(LOG_LEVELS);
const ZStartTimeout = z.coerce.number().positive().max(600).transform((s) => s * 1000);
const ZDatabaseUrl = z.string().regex(/^(file:|postgres(ql)?:\/\/)/, "must start with file: or postgresql://");

function check<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new UsageError(`invalid --${String(issue?.path[0] ?? "flag")}: ${issue?.message ?? "invalid value"}`);
}

function dataPaths(values: Record<string, string | boolean>, cwd: string) {
  const dataDir = path.resolve(cwd, String(values["data-dir"]));
  const databaseUrl = typeof values["database-url"] === "string" ? values["database-url"] : `file:${path.join(dataDir, "trellis.db")}`;
  return { "data-dir": dataDir, "database-url": databaseUrl };
}

const ZUpConfig = z
  .object({
    "api-host": z.string().min(1),
    "api-port": ZPort,
    "otlp-http-host": z.string().min(1),
    "otlp-http-port": ZPort,
    "console-host": z.string().min(1),
    "console-port": ZPort,
    "data-dir": z.string(),
    "database-url": ZDatabaseUrl,
    "log-level": ZLogLevel,
    "start-timeout": ZStartTimeout,
  })
  .transform((v) => ({
    apiHost: v["api-host"],
    apiPort: v["api-port"],
    otlpHttpHost: v["otlp-http-host"],
    otlpHttpPort: v["otlp-http-port"],
    consoleHost: v["console-host"],
    consolePort: v["console-port"],
    dataDir: v["data-dir"],
    databaseUrl: v["database-url"],
    logLevel: v["log-level"],
    startTimeoutMs: v["start-timeout"],
  }));
export type UpConfig = z.infer<typeof ZUpConfig>;

const ZDemoConfig = z
  .object({
    "console-port": ZPort,
    "api-port": ZPort,
    "otlp-http-port": ZPort,
    "data-dir": z.string(),
    "database-url": ZDatabaseUrl,
    rate: z.coerce.number().positive().max(500),
    console: z.boolean(),
    "fault-scale": z.coerce.number().min(0).max(100),
    fresh: z.boolean(),
    "log-level": ZLogLevel,
    "start-timeout": ZStartTimeout,
  })
  .transform((v) => ({
    consolePort: v["console-port"],
    apiPort: v["api-port"],
    otlpHttpPort: v["otlp-http-port"],
    dataDir: v["data-dir"],
    databaseUrl: v["database-url"],
    rate: v.rate,
    console: v.console,
    faultScale: v["fault-scale"],
    fresh: v.fresh,
    logLevel: v["log-level"],
    startTimeoutMs: v["start-timeout"],
  }));
export type DemoConfig = z.infer<typeof ZDemoConfig>;

export type Parsed<T> = { help: true } | { help: false; config: T };

function parseWith<T>(specs: readonly FlagSpec[], schema: z.ZodType<T>, argv: readonly string[], env: Env, cwd: string): Parsed<T> {
  const { values, positionals, help } = parseFlags(specs, argv, env);
  if (help) return { help: true };
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  return { help: false, config: check(schema, { ...values, ...dataPaths(values, cwd) }) };
}

export const parseUpArgs = (argv: readonly string[], env: Env, cwd: string) => parseWith(UP_FLAGS, ZUpConfig, argv, env, cwd);
export const parseDemoArgs = (argv: readonly string[], env: Env, cwd: string) => parseWith(DEMO_FLAGS, ZDemoConfig, argv, env, cwd);
