// `trellis <command>`: the one CLI. Reads argv and the environment here, once, and dispatches.
import { parseDemoArgs, parseUpArgs, DEMO_FLAGS, UP_FLAGS } from "./config";
import { renderHelp, UsageError, createLogger } from "@trellis/process-kit";
import type { CommandContext } from "./commands/context";
import { runDemo } from "./commands/demo";
import { PASSTHROUGH, runPassthrough, type PassthroughName } from "./commands/passthrough";
import { runUp } from "./commands/up";

const DEMO_SUMMARY =
  "Runs the control plane, the console, the demo services (frontend, catalog, reviews v1 and v2, ratings) each with its own sidecar, and loadgen sending traffic through the mesh. The SQLite database under --data-dir is reused across runs (--fresh starts over).";
const UP_SUMMARY = "Runs the control plane and the console.";

const TOP_HELP = `Usage: trellis <command> [flags]

Commands:
  demo            ${DEMO_SUMMARY.split(". ")[0]}.
  up              ${UP_SUMMARY}
  control-plane   ${PASSTHROUGH["control-plane"].summary}
  console         ${PASSTHROUGH.console.summary}
  sidecar         ${PASSTHROUGH.sidecar.summary}

Every flag --foo-bar also reads env TRELLIS_FOO_BAR (the flag wins). \`trellis <command> --help\` lists them.
`;

function isPassthrough(name: string): name is PassthroughName {
  return name in PASSTHROUGH;
}

async function main(argv: string[]): Promise<number> {
  const ctx: CommandContext = { env: process.env, cwd: process.cwd(), log: createLogger({ proc: "trellis" }, "info") };
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(TOP_HELP);
    return command === undefined ? 2 : 0;
  }
  if (isPassthrough(command)) return runPassthrough(command, rest, ctx);
  if (command === "demo") {
    const parsed = parseDemoArgs(rest, ctx.env, ctx.cwd);
    if (parsed.help) {
      process.stdout.write(renderHelp("trellis demo [flags]", DEMO_SUMMARY, DEMO_FLAGS));
      return 0;
    }
    return runDemo(parsed.config, ctx);
  }
  if (command === "up") {
    const parsed = parseUpArgs(rest, ctx.env, ctx.cwd);
    if (parsed.help) {
      process.stdout.write(renderHelp("trellis up [flags]", UP_SUMMARY, UP_FLAGS));
      return 0;
    }
    return runUp(parsed.config, ctx);
  }
  throw new UsageError(`unknown command "${command}"\n\n${TOP_HELP}`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`trellis: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
