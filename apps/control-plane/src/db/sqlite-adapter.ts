// The SQLite driver adapter. We use @prisma/adapter-libsql rather than better-sqlite3: libsql's native
// binary comes prebuilt from npm (better-sqlite3 has no reachable prebuild here and compiles from source
// for ~2 minutes on every fresh install), and it was about 2x faster on inserts.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  createClient,
  LibsqlError,
  type Client,
  type Config,
  type InArgs,
  type InStatement,
  type ResultSet,
  type Transaction,
  type TransactionMode,
} from "@libsql/client";
import { PrismaLibSql } from "@prisma/adapter-libsql";
import type { SqlDriverAdapter } from "@prisma/driver-adapter-utils";

const BUSY_TIMEOUT_MS = 5000;

/**
 * Settings that SQLite keeps per connection, applied when a connection is opened (the first statement,
 * and after reconnect()). Without busy_timeout concurrent writers fail at once with SQLITE_BUSY.
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

/**
 * Delegates to a libsql client, applies CONNECTION_PRAGMAS before the first statement on its connection,
 * and runs transactions on that same connection.
 *
 * @libsql/client's own transaction() hands its connection to the transaction and opens a new one for
 * the next statement; the old one is never closed, only dropped for the garbage collector. Each
 * transaction so cost a connection open, the pragmas and every statement prepared against a cold
 * schema (~2 ms; 2,000 transactions took 4.5 s that way, 0.5 s on one connection), and left a file
 * descriptor open until a major GC (2,000 transactions: 27 -> 2,027 open fds) — an EMFILE waiting to
 * happen under ingest load. Prisma's adapter already holds its own lock from startTransaction() to
 * commit/rollback, so nothing else runs on the connection meanwhile; this class keeps that true by
 * itself too (a statement outside the transaction waits for it to end).
 */
class PragmaClient implements Client {
  #inner: Client;
  #fresh = true;
  /** Settles when the open transaction ends; undefined when none is open. */
  #open: Promise<void> | undefined;

  constructor(inner: Client) {
    this.#inner = inner;
  }

  get closed(): boolean {
    return this.#inner.closed;
  }
  get protocol(): string {
    return this.#inner.protocol;
  }

  async #ready(): Promise<void> {
    while (this.#open) await this.#open;
    if (!this.#fresh) return;
    this.#fresh = false;
    for (const pragma of CONNECTION_PRAGMAS) await this.#inner.execute(pragma);
  }

  execute(stmt: InStatement): Promise<ResultSet>;
  execute(sql: string, args?: InArgs): Promise<ResultSet>;
  async execute(stmtOrSql: InStatement | string, args?: InArgs) {
    await this.#ready();
    return typeof stmtOrSql === "string" ? this.#inner.execute(stmtOrSql, args) : this.#inner.execute(stmtOrSql);
  }
  async batch(stmts: Array<InStatement | [string, InArgs?]>, mode?: TransactionMode) {
    await this.#ready();
    return this.#inner.batch(stmts, mode);
  }
  async migrate(stmts: Array<InStatement>) {
    await this.#ready();
    return this.#inner.migrate(stmts);
  }
  async transaction(mode: TransactionMode = "write"): Promise<Transaction> {
    await this.#ready();
    await this.#inner.execute(BEGIN[mode]);
    let ended!: () => void;
    this.#open = new Promise<void>((resolve) => (ended = resolve));
    return new ConnectionTransaction(this.#inner, () => {
      this.#open = undefined;
      ended();
    });
  }
  async executeMultiple(sql: string) {
    await this.#ready();
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

/** The statements @libsql/client begins each mode with (its transactionModeToBegin). */
const BEGIN: Record<TransactionMode, string> = {
  write: "BEGIN IMMEDIATE",
  read: "BEGIN TRANSACTION READONLY",
  deferred: "BEGIN DEFERRED",
};

/** A transaction on the client's own connection, from BEGIN to COMMIT or ROLLBACK. */
class ConnectionTransaction implements Transaction {
  #db: Client;
  #end: () => void;
  #closed = false;

  constructor(db: Client, end: () => void) {
    this.#db = db;
    this.#end = end;
  }

  get closed(): boolean {
    return this.#closed;
  }

  execute(stmt: InStatement): Promise<ResultSet>;
  execute(sql: string, args?: InArgs): Promise<ResultSet>;
  async execute(stmtOrSql: InStatement | string, args?: InArgs) {
    this.#checkOpen();
    return typeof stmtOrSql === "string" ? this.#db.execute(stmtOrSql, args) : this.#db.execute(stmtOrSql);
  }
  async batch(stmts: Array<InStatement | [string, InArgs?]>) {
    const results: ResultSet[] = [];
    for (const stmt of stmts) results.push(await (Array.isArray(stmt) ? this.execute(stmt[0], stmt[1]) : this.execute(stmt)));
    return results;
  }
  async executeMultiple(sql: string) {
    this.#checkOpen();
    return this.#db.executeMultiple(sql);
  }
  async commit() {
    this.#checkOpen();
    try {
      await this.#db.execute("COMMIT");
    } catch (err) {
      // A COMMIT refused (SQLITE_BUSY) leaves the transaction open on the connection: undo it, so the
      // next statement does not run inside it.
      await this.#rollback();
      throw err;
    }
    this.#finish();
  }
  async rollback() {
    if (this.#closed) return;
    await this.#rollback();
  }
  close(): void {
    if (!this.#closed) void this.#rollback();
  }

  async #rollback(): Promise<void> {
    try {
      await this.#db.execute("ROLLBACK");
    } catch {
      // SQLite already rolled back (an error that aborts the transaction): nothing is open any more.
    } finally {
      this.#finish();
    }
  }
  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#end();
  }
  #checkOpen(): void {
    if (this.#closed) throw new LibsqlError("The transaction is closed", "TRANSACTION_CLOSED");
  }
}
