// Structured JSON logs: one event per line on stdout, always with the service, and with the
// request id when a request is involved. The write target is injectable so tests stay quiet.
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  enabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  service: string;
  level: LogLevel;
  write?: (line: string) => void;
}

export function createLogger({ service, level, write = (line) => process.stdout.write(line) }: LoggerOptions): Logger {
  const min = RANK[level];
  const emit = (lvl: LogLevel, event: string, fields?: LogFields): void => {
    if (RANK[lvl] < min) return;
    const record = { time: new Date().toISOString(), level: lvl, event, service, ...fields };
    write(`${JSON.stringify(record, errorReplacer)}\n`);
  };
  return {
    debug: (event, fields) => emit("debug", event, fields),
    info: (event, fields) => emit("info", event, fields),
    warn: (event, fields) => emit("warn", event, fields),
    error: (event, fields) => emit("error", event, fields),
    enabled: (lvl) => RANK[lvl] >= min,
  };
}

/** Errors serialise to `{}` by default; a log line needs their message and code. */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = "code" in value ? value.code : undefined;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  return value;
}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ service: "test", level: "error", write: () => {} });
