// Pushes config to connected sidecars: on connect the current bundle, then a new one on every mesh
// revision that changes what that sidecar's bundle says (a change elsewhere in the mesh reaches only
// the sidecars it affects). Each subscriber has a one-slot mailbox and its own pump, so a slow
// sidecar only ever gets the latest bundle and never holds up the others.
import type { Bundle } from "@trellis/mesh-model";
import type { Repositories } from "../db/repositories";
import type { Logger } from "../log";
import type { MeshSecurity } from "@trellis/mesh-model";
import { groupCommit } from "../db/group-writes";
import { CompiledBundles, readMeshSnapshot, type MeshSnapshot, type SnapshotSources } from "./bundle-builder";
import { LatestMailbox } from "./latest-mailbox";

/** Where a subscriber's bundles go: the transport (SSE) behind it. */
export interface ConfigSink {
  /** Resolves once the transport accepted the bundle; rejects when the stream is gone or too slow. */
  send(bundle: Bundle): Promise<void>;
  /** Keeps idle proxies and clients from timing the stream out. */
  keepAlive(): void;
  close(): void;
}

export interface SubscriberIdentity {
  instanceId: string;
  service: string;
  version: string;
}

interface Subscriber extends SubscriberIdentity {
  sink: ConfigSink;
  mailbox: LatestMailbox<Bundle>;
  lastSentRevision: number;
  /** bundleContentKey of the latest bundle offered, and that bundle's revision: the one it must ACK to be in sync. */
  offered: { key: string; revision: number } | undefined;
  done: Promise<void>;
}

export interface ConfigHubOptions {
  db: SnapshotSources & Pick<Repositories, "configStatus">;
  now: () => Date;
  /** Leases valid after this moment are live (the registry's, which self-preservation may hold back); now by default. */
  liveCutoff?: () => Date;
  log: Logger;
  /** Wait before reading the mesh again after a failed read. */
  retryMs?: number;
  /** This process among the replicas on one database: recorded as the holder of its config streams. */
  replicaId?: string;
  /** Mesh-wide mTLS mode and authorization default compiled into every bundle. */
  meshSecurity?: MeshSecurity;
}

/** Back-to-back mesh reads wait this many times the previous read's duration (≤ 1/(1+3) of the time reading)… */
const REFRESH_PACE_FACTOR = 3;
/** …at least this long (a fleet registering is several changes a millisecond apart)… */
const REFRESH_PACE_MIN_MS = 100;
/** …and never longer than this. */
const REFRESH_PACE_MAX_MS = 500;

export class ConfigHub {
  private readonly subscribers = new Set<Subscriber>();
  private dirty = false;
  private refreshing: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private knownRevision = -1;
  private paceTimer: NodeJS.Timeout | undefined;
  /** performance.now() before which the mesh is not read again (see refresh). */
  private nextReadAt = 0;
  private endPause: (() => void) | undefined;
  /**
   * The latest mesh read and the bundles compiled from it, one per (service, version): shared by
   * every stream of that shape, and by streams opening before the next change (no read on open).
   */
  private compiled: CompiledBundles | undefined;
  /** Presence writes in flight, awaited by close() so none outlives the database. */
  private readonly presenceWrites = new Set<Promise<void>>();
  /** Streams opened and closed, written in order and group-committed (a mass reconnect is a few statements). */
  private readonly writePresence: (event: { instanceId: string; open: boolean }) => Promise<void>;

  constructor(private readonly options: ConfigHubOptions) {
    this.writePresence = groupCommit(async (events) => {
      const last = new Map<string, boolean>();
      for (const e of events) last.set(e.instanceId, e.open);
      const opened = [...last].filter(([, open]) => open).map(([id]) => id);
      if (opened.length > 0) await options.db.configStatus.markStreamsOpen(opened, this.replicaId, options.now());
      // The repository group-commits these too.
      await Promise.all([...last].filter(([, open]) => !open).map(([id]) => options.db.configStatus.markStreamClosed(id, this.replicaId)));
    });
  }

  /** Starts pushing to a sidecar; returns the function that stops it. */
  subscribe(identity: SubscriberIdentity, sink: ConfigSink): () => void {
    if (this.closed) {
      sink.close();
      return () => {};
    }
    const sub: Subscriber = { ...identity, sink, mailbox: new LatestMailbox<Bundle>(), lastSentRevision: -1, offered: undefined, done: Promise.resolve() };
    this.subscribers.add(sub);
    sub.done = this.pump(sub);
    this.options.log.info("config_stream_opened", { instanceId: sub.instanceId, subscribers: this.subscribers.size });
    this.recordPresence(() => this.writePresence({ instanceId: sub.instanceId, open: true }));
    // The bundle compiled from the latest read, without reading the mesh again, when no change is
    // pending; otherwise the read under way (or the first one) offers it the newer bundle when done,
    // so a new stream does not start with a bundle already known to be stale.
    if (this.compiled && !this.dirty && !this.refreshing) this.offer(sub, this.compiled);
    else this.meshChanged();
    return () => this.remove(sub, "closed by client");
  }

  /**
   * The identity of a live instance as of the latest read, when no change is pending that could have
   * removed it: lets a config stream open without a read of its own. Undefined: ask the registry.
   */
  liveInstance(instanceId: string): SubscriberIdentity | undefined {
    if (this.dirty || this.refreshing || !this.compiled) return undefined;
    return this.compiled.instance(instanceId);
  }

  /** Something sidecars must see changed: compile and offer a fresh bundle to every subscriber. */
  meshChanged(): void {
    if (this.closed) return;
    this.dirty = true;
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
  }

  /** Catches revisions made elsewhere (another replica, or a missed notification). */
  async pollRevision(): Promise<void> {
    const current = await this.options.db.revisions.current();
    if (current !== this.knownRevision) this.meshChanged();
  }

  get replicaId(): string {
    return this.options.replicaId ?? "local";
  }

  /**
   * Tells the other replicas (through the database) that these streams are still open here; they
   * count a sidecar connected while this is fresh.
   */
  async refreshPresence(): Promise<void> {
    const ids = [...this.connectedInstanceIds()];
    if (ids.length > 0) await this.options.db.configStatus.markStreamsOpen(ids, this.replicaId, this.options.now());
  }

  private recordPresence(write: () => Promise<void>): void {
    const pending = write()
      .catch((err: unknown) => this.options.log.warn("config_presence_write_failed", { err }))
      .finally(() => this.presenceWrites.delete(pending));
    this.presenceWrites.add(pending);
  }

  keepAlive(): void {
    for (const sub of this.subscribers) sub.sink.keepAlive();
  }

  connectedInstanceIds(): ReadonlySet<string> {
    return new Set([...this.subscribers].map((s) => s.instanceId));
  }

  /**
   * Connected sidecars with the revision each must acknowledge to be in sync: that of the latest
   * bundle offered to it, which stays behind the mesh revision while changes do not concern it
   * (undefined until its first bundle is compiled).
   */
  connectedRevisions(): ReadonlyMap<string, number | undefined> {
    return new Map([...this.subscribers].map((s) => [s.instanceId, s.offered?.revision]));
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.endPause?.();
    const pumps = [...this.subscribers].map((s) => s.done);
    for (const sub of [...this.subscribers]) this.remove(sub, "control plane shutting down");
    await Promise.allSettled([this.refreshing, ...pumps]);
    await Promise.allSettled([...this.presenceWrites]);
  }

  private remove(sub: Subscriber, reason: string): void {
    if (!this.subscribers.delete(sub)) return;
    sub.mailbox.close();
    sub.sink.close();
    this.options.log.info("config_stream_closed", { instanceId: sub.instanceId, reason, subscribers: this.subscribers.size });
    // Another stream to the same sidecar may still be open here (a reconnect before the old one closed).
    if (![...this.subscribers].some((other) => other.instanceId === sub.instanceId)) {
      this.recordPresence(() => this.writePresence({ instanceId: sub.instanceId, open: false }));
    }
  }

  private async refresh(): Promise<void> {
    while (this.dirty && !this.closed) {
      // Changes arriving back to back (a fleet registering: one revision each) would otherwise re-read
      // the whole mesh for each. The next read waits a multiple of the previous one's duration after
      // it, which keeps reads to a fraction of the time and gathers the changes meanwhile into one
      // read; a change after a quiet moment is read at once.
      const wait = this.nextReadAt - performance.now();
      if (wait > 0) await this.pause(wait);
      if (this.closed) return;
      this.dirty = false;
      let snapshot: MeshSnapshot;
      const readStart = performance.now();
      try {
        const now = this.options.now();
        // Unchanged revision: the same snapshot and its compiled bundles (only the revision is read).
        snapshot = await readMeshSnapshot(this.options.db, now, this.options.liveCutoff?.() ?? now, this.compiled?.snapshot);
      } catch (err) {
        this.options.log.error("config_snapshot_failed", { err });
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.meshChanged(), this.options.retryMs ?? 1000);
        return;
      }
      this.knownRevision = snapshot.revision;
      if (this.compiled?.snapshot !== snapshot) this.compiled = new CompiledBundles(snapshot, this.options.meshSecurity);
      for (const sub of this.subscribers) this.offer(sub, this.compiled);
      const readEnd = performance.now();
      this.nextReadAt = readEnd + Math.min(Math.max(REFRESH_PACE_FACTOR * (readEnd - readStart), REFRESH_PACE_MIN_MS), REFRESH_PACE_MAX_MS);
    }
  }

  /** A wait that close() cuts short. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.paceTimer = setTimeout(() => {
        this.endPause = undefined;
        resolve();
      }, ms);
      this.endPause = () => {
        clearTimeout(this.paceTimer);
        resolve();
      };
    });
  }

  /** Puts the subscriber's bundle in its mailbox, unless it says what the latest one offered said. */
  private offer(sub: Subscriber, compiled: CompiledBundles): void {
    const entry = compiled.for(sub);
    // Same content as the latest offered (a change elsewhere in the mesh): nothing to push.
    if (sub.offered?.key === entry.key) return;
    // Never offer an older revision than the one offered (a stream opened during a refresh).
    if (sub.offered && sub.offered.revision > entry.bundle.revision) return;
    sub.offered = { key: entry.key, revision: entry.bundle.revision };
    sub.mailbox.put(entry.bundle);
  }

  private async pump(sub: Subscriber): Promise<void> {
    for (;;) {
      const bundle = await sub.mailbox.take();
      if (!bundle) return;
      if (bundle.revision <= sub.lastSentRevision) continue;
      try {
        await sub.sink.send(bundle);
      } catch (err) {
        this.remove(sub, err instanceof Error ? err.message : String(err));
        return;
      }
      sub.lastSentRevision = bundle.revision;
      try {
        await this.options.db.configStatus.recordSent(sub.instanceId, bundle.revision, this.options.now());
      } catch (err) {
        this.options.log.warn("config_status_write_failed", { instanceId: sub.instanceId, err });
      }
    }
  }
}
