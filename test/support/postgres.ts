// A throwaway PostgreSQL 15 for tests: initdb + pg_ctl in a temp folder, listening on a free port of
// 127.0.0.1 (its unix socket inside that folder too), trust auth, fsync off. PostgreSQL refuses to run
// as root, so as root every server command runs as the `postgres` system user (runuser).
import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port";

const run = promisify(execFile);

export const POSTGRES_BIN = "/usr/lib/postgresql/15/bin";
const SERVER_USER = "postgres";

export interface TestPostgres {
  /** postgresql://postgres@127.0.0.1:<port>/<database> */
  url: string;
  host: string;
  port: number;
  user: string;
  database: string;
  /** Creates another (empty) database on the same server and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Shuts the server down and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

export class PostgresStartError extends Error {
  readonly code = "postgres_start_failed";
}

export interface StartPostgresOptions {
  database?: string;
  /** How long to wait for the server to accept connections. */
  timeoutMs?: number;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<TestPostgres> {
  const database = options.database ?? "trellis";
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!existsSync(join(POSTGRES_BIN, "initdb"))) {
    throw new PostgresStartError(`PostgreSQL 15 is not installed (no ${POSTGRES_BIN}/initdb); apt-get install -y postgresql-15`);
  }
  const asRoot = process.getuid?.() === 0;
  const root = mkdtempSync(join(tmpdir(), "trellis-pg-"));
  const dataDir = join(root, "data");
  const socketDir = join(root, "socket");
  mkdirSync(socketDir);
  if (asRoot) chownTree(root, [socketDir]);

  // Runs a PostgreSQL binary as the server user (directly when we are not root).
  const pg = (bin: string, args: string[]) =>
    asRoot
      ? run("runuser", ["-u", SERVER_USER, "--", join(POSTGRES_BIN, bin), ...args])
      : run(join(POSTGRES_BIN, bin), args);

  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    try {
      const args = ["stop", "-D", dataDir, "-m", "immediate", "-w"];
      if (asRoot) execFileSync("runuser", ["-u", SERVER_USER, "--", join(POSTGRES_BIN, "pg_ctl"), ...args], { stdio: "ignore" });
      else execFileSync(join(POSTGRES_BIN, "pg_ctl"), args, { stdio: "ignore" });
    } catch {
      // Not running (never started, or already gone).
    }
    rmSync(root, { recursive: true, force: true });
  };
  // A crashed or interrupted test run must not leave a server behind: stop it, then let the signal
  // do what it would have done.
  const onSignal = (signal: NodeJS.Signals) => {
    stopSync();
    process.kill(process.pid, signal);
  };
  process.once("exit", stopSync);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const stop = async () => {
    process.removeListener("exit", stopSync);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    stopSync();
  };

  try {
    await pg("initdb", ["-D", dataDir, "-U", SERVER_USER, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]);
    const port = await startServer(pg, { root, dataDir, socketDir, timeoutMs });
    const createDatabase = async (name: string) => {
      await run(join(POSTGRES_BIN, "createdb"), ["-h", "127.0.0.1", "-p", String(port), "-U", SERVER_USER, name]);
      return `postgresql://${SERVER_USER}@127.0.0.1:${port}/${name}`;
    };
    const url = await createDatabase(database);
    return { url, host: "127.0.0.1", port, user: SERVER_USER, database, createDatabase, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

type Pg = (bin: string, args: string[]) => Promise<unknown>;

/** Starts the server on a free port (a new one if another process took it first) and waits with pg_isready. */
async function startServer(pg: Pg, paths: { root: string; dataDir: string; socketDir: string; timeoutMs: number }): Promise<number> {
  const deadline = Date.now() + paths.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const logFile = join(paths.root, `server-${attempt}.log`);
    const settings = [
      "-c listen_addresses=127.0.0.1",
      `-c port=${port}`,
      `-c unix_socket_directories=${paths.socketDir}`,
      // Throwaway data: durability buys nothing and costs seconds.
      "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
      "-c max_connections=200",
    ].join(" ");
    await pg("pg_ctl", ["start", "-D", paths.dataDir, "-l", logFile, "-o", settings, "-W"]);
    const state = await waitUntilReady(port, logFile, deadline);
    if (state === "ready") return port;
    if (state === "port-taken" && attempt < 5) continue;
    const log = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-20).join("\n") : "(no log)";
    throw new PostgresStartError(
      state === "timeout"
        ? `PostgreSQL did not accept connections on 127.0.0.1:${port} within ${paths.timeoutMs} ms. Server log:\n${log}`
        : `PostgreSQL exited while starting on 127.0.0.1:${port}. Server log:\n${log}`,
    );
  }
}

async function waitUntilReady(port: number, logFile: string, deadline: number): Promise<"ready" | "port-taken" | "exited" | "timeout"> {
  while (Date.now() < deadline) {
    try {
      await run(join(POSTGRES_BIN, "pg_isready"), ["-q", "-h", "127.0.0.1", "-p", String(port), "-t", "1"]);
      return "ready";
    } catch {
      // 1 = starting up, 2 = no answer yet; the log tells whether it is worth waiting.
    }
    const log = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
    if (/could not bind|Address already in use/.test(log)) return "port-taken";
    // pg_isready's own early attempts log "the database system is starting up"; any other FATAL is the end.
    if (log.split("\n").some((line) => /FATAL|PANIC/.test(line) && !line.includes("is starting up"))) return "exited";
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return "timeout";
}

function chownTree(root: string, extra: string[]): void {
  const uid = Number(execFileSync("id", ["-u", SERVER_USER], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", SERVER_USER], { encoding: "utf8" }).trim());
  for (const path of [root, ...extra]) chownSync(path, uid, gid);
}
