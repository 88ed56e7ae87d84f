// Command-line flags with env fallbacks: `--foo-bar value`, `--foo-bar=value`, `--no-foo` for
// booleans; each flag also reads env TRELLIS_FOO_BAR (the flag wins), then falls back to its default.
// Returns strings and booleans only: config.ts turns them into typed values with zod.

export interface FlagSpec {
  readonly name: string;
  readonly help: string;
  /** Shown in --help and used when neither the flag nor its env var is set. */
  readonly default?: string;
  /** What --help shows as the default when it is not one fixed value. */
  readonly defaultLabel?: string;
  readonly boolean?: boolean;
  /** Env vars read for this flag, first set one wins; defaults to [TRELLIS_<NAME>]. */
  readonly env?: readonly string[];
}

export class UsageError extends Error {
  readonly code = "usage";
}

export interface ParsedFlags {
  values: Record<string, string | boolean>;
  positionals: string[];
  help: boolean;
}

export type Env = Readonly<Record<string, string | undefined>>;

export function envNames(spec: FlagSpec): readonly string[] {
  return spec.env ?? [`TRELLIS_${spec.name.toUpperCase().replaceAll("-", "_")}`];
}

function parseBoolean(name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["0", "false", "no", "off"].includes(v)) return false;
  throw new UsageError(`--${name} expects true or false, got "${raw}"`);
}

export function parseFlags(specs: readonly FlagSpec[], argv: readonly string[], env: Env): ParsedFlags {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const spec = byName.get(name);
    const negated = spec === undefined && name.startsWith("no-") ? byName.get(name.slice(3)) : undefined;
    if (negated?.boolean && inline === undefined) {
      values[negated.name] = false;
      continue;
    }
    if (spec === undefined) throw new UsageError(`unknown flag --${name} (see --help)`);
    if (spec.boolean) {
      values[name] = inline === undefined ? true : parseBoolean(name, inline);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    values[name] = value;
  }
  for (const spec of specs) {
    if (spec.name in values) continue;
    const fromEnv = envNames(spec)
      .map((e) => env[e])
      .find((v) => v !== undefined && v !== "");
    const raw = fromEnv ?? spec.default;
    if (raw !== undefined) values[spec.name] = spec.boolean ? parseBoolean(spec.name, raw) : raw;
  }
  return { values, positionals, help };
}

export function renderHelp(usage: string, summary: string, specs: readonly FlagSpec[]): string {
  const left = specs.map((s) => (s.boolean ? `--${s.name}, --no-${s.name}` : `--${s.name} <value>`));
  const width = Math.max(...left.map((l) => l.length)) + 2;
  const lines = specs.map((s, i) => {
    const extra = [`env ${envNames(s).join(" or ")}`, `default ${s.defaultLabel ?? s.default ?? "none"}`].join(", ");
    return `  ${(left[i] ?? "").padEnd(width)}${s.help} (${extra})`;
  });
  return [`Usage: ${usage}`, "", summary, "", "Flags:", ...lines, `  ${"--help".padEnd(width)}Show this help`, ""].join("\n");
}
