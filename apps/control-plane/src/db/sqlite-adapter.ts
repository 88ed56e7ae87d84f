// The SQLite driver adapter. We use @prisma/adapter-libsql rather than better-sqlite3: libsql's native
// binary comes prebuilt from npm (better-sqlite3 has no reachable prebuild here and compiles from source
// for ~2 minutes on every fresh install), and it was about 2x faster on inserts.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  createClient,
  type Client,
  type Config,
  type InArgs,
  type InStatement,
  type ResultSet,
  type TransactionMode,
} from "@libsql/client";
import { PrismaLibSql } from "@prisma/adapter-libsql";
import type { SqlDriverAdapter } from "@prisma/driver-adapter-utils";

const BUSY_TIMEOUT_MS = 5000;

/**
 * Settings that SQLite keeps per connection. @libsql/client hands its connection to every transaction
 * and silently opens a new one for the next statement, so a PRAGMA run once is lost after the first
 * transaction (busy_timeout falls back to 0 and concurrent writers fail at once with SQLITE_BUSY).
 * WAL is a property of the file and sticks, but setting it again is free.
 */
const CONNECTION_PRAGMAS = [
  `PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`,
  "PRAGMA journal_mode = WAL",
  "PRAGMA foreign_keys = ON",
  // With WAL, NORMAL is durable against application crashes and much faster than FULL.
  "PRAGMA synchronous = NORMAL",
];

/** Creates the parent directory of the file and returns the adapter factory Prisma and the schema engine take. */
export function sqliteAdapterFactory(path: string): PrismaLibSql {
  mkdirSync(dirname(path), { recursive: true });
  return new PragmaLibSql({ url: `file:${path}` });
}

class PragmaLibSql extends PrismaLibSql {
  override createClient(config: Config): Client {
    return new PragmaClient(createClient(config));
  }

  /**
   * The schema engine replays whole migration files on the shadow database through `executeRaw`, which
   * libsql runs as one statement (the rest is silently dropped). Such scripts go to `executeScript`.
   */
  override async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const shadow = await super.connectToShadowDb();
    const executeRaw = shadow.executeRaw.bind(shadow);
    shadow.executeRaw = async (query) => {
      if (query.args.length > 0 || !isScript(query.sql)) return executeRaw(query);
      await shadow.executeScript(query.sql);
      return 0;
    };
    return shadow;
  }
}

/** More than one statement (a `;` followed by more SQL). A `;` inside a literal only makes it take the script path, which runs it just as well. */
function isScript(sql: string): boolean {
  return /;\s*\S/.test(sql.replace(/--[^\n]*/g, ""));
}

/** Delegates to a libsql client and applies CONNECTION_PRAGMAS before the first statement on each new connection. */
class PragmaClient implements Client {
  #inner: Client;
  #fresh = true;

  constructor(inner: Client) {
    this.#inner = inner;
  }

  get closed(): boolean {
    return this.#inner.closed;
  }
  get protocol(): string {
    return this.#inner.protocol;
  }

  async #prime(): Promise<void> {
    if (!this.#fresh) return;
    this.#fresh = false;
    for (const pragma of CONNECTION_PRAGMAS) await this.#inner.execute(pragma);
  }

  execute(stmt: InStatement): Promise<ResultSet>;
  execute(sql: string, args?: InArgs): Promise<ResultSet>;
  async execute(stmtOrSql: InStatement | string, args?: InArgs) {
    await this.#prime();
    return typeof stmtOrSql === "string" ? this.#inner.execute(stmtOrSql, args) : this.#inner.execute(stmtOrSql);
  }
  async batch(stmts: Array<InStatement | [string, InArgs?]>, mode?: TransactionMode) {
    await this.#prime();
    return this.#inner.batch(stmts, mode);
  }
  async migrate(stmts: Array<InStatement>) {
    await this.#prime();
    return this.#inner.migrate(stmts);
  }
  async transaction(mode?: TransactionMode) {
    await this.#prime();
    const tx = await this.#inner.transaction(mode);
    // The primed connection now belongs to the transaction; the client opens a new one next time.
    this.#fresh = true;
    return tx;
  }
  async executeMultiple(sql: string) {
    await this.#prime();
    return this.#inner.executeMultiple(sql);
  }
  sync() {
    return this.#inner.sync();
  }
  close(): void {
    this.#inner.close();
  }
  reconnect(): void {
    this.#inner.reconnect();
    this.#fresh = true;
  }
}
