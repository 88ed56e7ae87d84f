// Tells the other control-plane replicas on the same PostgreSQL that the mesh revision moved, with
// LISTEN/NOTIFY on one dedicated connection, so a change made through one replica reaches the
// sidecars streaming from every other within milliseconds. SQLite is single-replica: a no-op there.
// Best effort by design: a notification lost while the connection is down is caught by each
// replica's revision poll (ConfigHub.pollRevision), which stays the fallback.
import pg from "pg";
import { parseDatabaseUrl } from "./database-url";
import { poolConfig } from "./postgresql-adapter";

export const MESH_CHANGED_CHANNEL = "trellis_mesh_changed";

export interface MeshChangeNotifier {
  /** "listen" when other replicas' changes arrive by notification; "poll" when only the poll sees them. */
  readonly mode: "listen" | "poll";
  /** Tells the other replicas (after the change committed). Never throws. */
  publish(revision?: number): void;
  close(): Promise<void>;
}

export interface NotifierOptions {
  /** This process's id: its own notifications are not echoed back to it. */
  replicaId: string;
  /** Another replica changed the mesh (or the connection came back and changes may have been missed). */
  onRemoteChange: (revision: number | undefined) => void;
  onError: (event: string, err: unknown) => void;
  /** Wait before reconnecting a lost listening connection. */
  reconnectMs?: number;
}

export async function openMeshChangeNotifier(databaseUrl: string, options: NotifierOptions): Promise<MeshChangeNotifier> {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.provider !== "postgresql") return { mode: "poll", publish: () => {}, close: async () => {} };
  const notifier = new PgNotifier(poolConfig(target.url), options);
  await notifier.connect();
  return notifier;
}

class PgNotifier implements MeshChangeNotifier {
  readonly mode = "listen" as const;
  private client: pg.Client | undefined;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly options: NotifierOptions,
  ) {}

  async connect(): Promise<void> {
    const client = new pg.Client({ ...this.config, application_name: `trellis-notify-${this.options.replicaId}`.slice(0, 63) });
    client.on("notification", (message) => {
      if (message.channel !== MESH_CHANGED_CHANNEL) return;
      const [replica, revision] = (message.payload ?? "").split(" ");
      if (replica === this.options.replicaId) return;
      const n = Number(revision);
      this.options.onRemoteChange(Number.isInteger(n) ? n : undefined);
    });
    client.on("error", (err) => this.lost(client, err));
    client.on("end", () => this.lost(client, new Error("listening connection ended")));
    try {
      await client.connect();
      await client.query(`LISTEN ${MESH_CHANGED_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners("end");
      client.on("error", () => {});
      await client.end().catch(() => {});
      throw err;
    }
    this.client = client;
  }

  publish(revision?: number): void {
    const client = this.client;
    if (!client) return;
    client.query("SELECT pg_notify($1, $2)", [MESH_CHANGED_CHANNEL, `${this.options.replicaId} ${revision ?? ""}`]).catch((err: unknown) => this.options.onError("mesh_notify_failed", err));
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    this.options.onError("mesh_listen_lost", err);
    client.removeAllListeners("end");
    client.end().catch(() => {});
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (this.closed) return;
      this.connect().then(
        // Whatever was notified while we were away is unknown: look again.
        () => this.options.onRemoteChange(undefined),
        (err: unknown) => {
          this.options.onError("mesh_listen_reconnect_failed", err);
          this.scheduleReconnect();
        },
      );
    }, this.options.reconnectMs ?? 1000);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners("end");
      client.on("error", () => {});
      await client.end().catch(() => {});
    }
  }
}
