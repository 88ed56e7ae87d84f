// Assembles the control plane: storage, services, the two HTTP servers and the background tasks;
// and takes them down in order. main.ts runs it as a process; tests run it in-process on port 0.
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { AuthService } from "./auth/auth-service";
import { routesOf } from "./auth/route-list";
import { heartbeatIntervalMs, type Config } from "./config";
import { openDatabase, type Database } from "./db/index";
import { openMeshChangeNotifier, type MeshChangeNotifier } from "./db/mesh-change-notifier";
import { UnavailableError } from "./errors";
import { startOtlpGrpcServer, type OtlpGrpcServer } from "./grpc/otlp-grpc-server";
import { CertificateAuthority } from "./ca/certificate-authority";
import { JoinTokens } from "./ca/join-tokens";
import { SidecarAuth } from "./auth/sidecar-auth";
import { SignRateLimiter } from "./ca/sign-rate-limit";
import { buildApiServer } from "./http/api-server";
import { buildOtlpServer } from "./http/otlp-server";
import { EndpointStateService } from "./endpoint-state/endpoint-state-service";
import { IngestService } from "./ingest/ingest-service";
import { preloadOtlpProto } from "./ingest/otlp-proto";
import type { Logger } from "./log";
import { every, type Periodic } from "./periodic";
import { PolicyService } from "./policies/policy-service";
import { recordConfigAnswer } from "./push/config-answers";
import { ConfigHub } from "./push/config-hub";
import { listSidecars } from "./push/sidecar-status";
import { RegistryService } from "./registry/registry-service";
import { SeriesService } from "./topology/series-service";
import { TopologyService } from "./topology/topology-service";

/** Cadences of the background work; tests shorten them. */
export interface Timings {
  /** How often lapsed leases are looked for. */
  leaseSweepMs: number;
  retentionSweepMs: number;
  /** How often the stored revision is compared with the last one pushed (catches changes made elsewhere). */
  revisionPollMs: number;
  keepAliveMs: number;
  /** A sent revision unanswered for this long makes the sidecar "stale". */
  ackTimeoutMs: number;
  /** A config stream stalled on one bundle this long is cut. */
  sseSlowTimeoutMs: number;
  streamPruneMs: number;
  /** How often this replica re-records the config streams it holds (other replicas count them connected for 3x this). */
  streamPresenceMs: number;
}

export function defaultTimings(config: Pick<Config, "leaseTtlMs" | "revisionPollMs">): Timings {
  return {
    leaseSweepMs: Math.min(Math.max(Math.floor(config.leaseTtlMs / 5), 100), 5_000),
    retentionSweepMs: 60_000,
    revisionPollMs: config.revisionPollMs,
    keepAliveMs: 15_000,
    ackTimeoutMs: 15_000,
    sseSlowTimeoutMs: 30_000,
    streamPruneMs: 60_000,
    streamPresenceMs: 5_000,
  };
}

export interface StartOptions {
  config: Config;
  log: Logger;
  now?: () => Date;
  timings?: Partial<Timings>;
  /** Awaited before each rollup write (tests hold the writer with it). */
  beforeRollupWrite?: () => Promise<void>;
}

export interface RunningControlPlane {
  apiPort: number;
  otlpHttpPort: number;
  otlpGrpcPort: number;
  db: Database;
  registry: RegistryService;
  hub: ConfigHub;
  ingest: IngestService;
  /** Every route of the API server, "METHOD /pattern" (the route-enumeration test reads it). */
  apiRoutes: readonly string[];
  /** This process among the replicas sharing the database. */
  replicaId: string;
  close(): Promise<void>;
}

const portOf = (address: AddressInfo | string | null): number => (typeof address === "object" && address ? address.port : 0);

export async function startControlPlane(options: StartOptions): Promise<RunningControlPlane> {
  const { config, log } = options;
  const now = options.now ?? (() => new Date());
  const timings = { ...defaultTimings(config), ...options.timings };
  preloadOtlpProto();

  const db = await openDatabase(config.databaseUrl);
  const tasks: Periodic[] = [];
  const replicaId = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  let notifier: MeshChangeNotifier | undefined;
  try {
    // The registry decides which leases are live (its self-preservation guard may hold lapsed ones).
    const hub = new ConfigHub({ db, now, log, liveCutoff: () => registry.liveCutoff(), meshSecurity: { mtlsMode: config.mtlsMode, authorizationDefault: config.authorizationDefault }, replicaId });
    // Replicas on one PostgreSQL tell each other of every change (LISTEN/NOTIFY); the revision poll stays the fallback.
    const meshNotifier = await openMeshChangeNotifier(config.databaseUrl, {
      replicaId,
      onRemoteChange: () => hub.meshChanged(),
      onError: (event, err) => log.warn(event, { err }),
    });
    notifier = meshNotifier;
    log.info("replica", { replicaId, meshChanges: meshNotifier.mode === "listen" ? "listen/notify + poll" : "poll" });
    const meshChanged = (revision?: number) => {
      hub.meshChanged();
      meshNotifier.publish(revision);
    };
    const registry = new RegistryService({
      db,
      now,
      log,
      leaseTtlMs: config.leaseTtlMs,
      heartbeatIntervalMs: heartbeatIntervalMs(config),
      onMeshChanged: meshChanged,
      selfPreservation: { threshold: config.selfPreservationThreshold, minInstances: config.selfPreservationMinInstances },
    });
    const endpointStates = new EndpointStateService({ db, now, log, retentionMs: config.retention1mMs });
    const ingest = new IngestService({
      db,
      now,
      log,
      endpointStates,
      retention10sMs: config.retention10sMs,
      retention1mMs: config.retention1mMs,
      startedAt: now(),
      maxExportsInFlight: config.maxOtlpInFlight,
      maxExportBytesInFlight: config.maxOtlpInFlightBytes,
      exportLatencyTargetMs: config.otlpLatencyTargetMs,
      maxSeries: config.maxSeries,
      beforeWrite: options.beforeRollupWrite,
    });
    const policies = new PolicyService({ db, now, log, onChanged: () => meshChanged() });
    const topology = new TopologyService({ db, now, retention10sMs: config.retention10sMs });
    await registry.start();
    await ingest.loadRecentSeries();
    const auth = new AuthService({ db, now, log, sessionTtlMs: config.sessionTtlMs, bootstrapToken: config.apiToken });
    await auth.bootstrap(config.adminPassword);

    // The mesh's CA: its root from the database (generated on first start) or from the operator's files.
    if (Boolean(config.caCertFile) !== Boolean(config.caKeyFile)) throw new Error("--ca-cert-file and --ca-key-file must be given together");
    const rootFiles = config.caCertFile && config.caKeyFile ? { certFile: config.caCertFile, keyFile: config.caKeyFile } : undefined;
    const ca = await CertificateAuthority.open({ store: db.ca, trustDomain: config.trustDomain, certTtlMs: config.certTtlMs, rootFiles, now, log });
    const joinTokens = new JoinTokens(db.ca, now);
    // An instance's service from the latest mesh read when it is live there, else from the registry.
    const instanceService = async (instanceId: string): Promise<string | undefined> => {
      const live = hub.liveInstance(instanceId);
      if (live) return live.service;
      const stored = await db.registry.get(instanceId);
      return stored && stored.deregisteredAt === null ? stored.service : undefined;
    };
    const sidecarAuth = new SidecarAuth({ mode: config.sidecarAuth, joinTokens, instanceService });
    if (config.sidecarAuth === "optional") log.warn("sidecar_auth_optional", { message: "sidecars without a join token may register and receive config (--sidecar-auth optional)" });
    const signLimiter = new SignRateLimiter({ perSecond: config.caSignRate, burst: 2 * config.caSignRate }, { perSecond: 20 * config.caSignRate, burst: 40 * config.caSignRate });
    const api = buildApiServer({
      ca,
      joinTokens,
      sidecarAuth,
      signLimiter,
      log,
      auth,
      allowedOrigins: config.allowedOrigins,
      registry,
      hub,
      topology,
      series: new SeriesService({ db, now, retention10sMs: config.retention10sMs }),
      endpointStates,
      policies,
      sseSlowTimeoutMs: timings.sseSlowTimeoutMs,
      recordAnswer: (instanceId, answer) => recordConfigAnswer({ db, now, log }, instanceId, answer),
      sidecars: () =>
        listSidecars({
          db,
          now,
          connected: () => hub.connectedRevisions(),
          liveCutoff: () => registry.liveCutoff(),
          ackTimeoutMs: timings.ackTimeoutMs,
          remotePresenceMs: 3 * timings.streamPresenceMs,
          replicaId,
        }),
      health: async () => {
        let revision: number;
        try {
          revision = await db.revisions.current();
        } catch (err) {
          log.error("health_check_failed", { err });
          throw new UnavailableError("the database does not answer");
        }
        return { status: "ok", database: db.provider, revision, configStreams: hub.subscriberCount, ingest: { ...ingest.stats } };
      },
    });
    const otlp = buildOtlpServer({ ingest, log, maxBodyBytes: config.maxOtlpBodyBytes });
    await api.listen({ host: config.apiHost, port: config.apiPort });
    let grpc: OtlpGrpcServer;
    try {
      await otlp.listen({ host: config.otlpHttpHost, port: config.otlpHttpPort });
      grpc = await startOtlpGrpcServer({ ingest, log, maxMessageBytes: config.maxOtlpBodyBytes }, config.otlpGrpcHost, config.otlpGrpcPort);
    } catch (err) {
      await Promise.all([api.close(), otlp.close()]);
      throw err;
    }

    tasks.push(
      every(timings.leaseSweepMs, "lease_sweep", () => registry.sweepExpired(), log),
      every(timings.retentionSweepMs, "retention_sweep", () => ingest.sweepRetention(), log),
      every(timings.revisionPollMs, "revision_poll", () => hub.pollRevision(), log),
      every(timings.keepAliveMs, "config_keepalive", async () => hub.keepAlive(), log),
      every(timings.streamPruneMs, "stream_prune", async () => ingest.pruneStreams(), log),
      every(timings.streamPresenceMs, "stream_presence", () => hub.refreshPresence(), log),
    );

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        await Promise.all(tasks.map((t) => t.stop()));
        // Config streams never end by themselves: end them, or the API server would wait forever.
        await hub.close();
        await meshNotifier.close();
        await Promise.all([api.close(), otlp.close(), grpc.close()]);
        await ingest.flush();
        await db.close();
      })());

    return { apiPort: portOf(api.server.address()), otlpHttpPort: portOf(otlp.server.address()), otlpGrpcPort: grpc.port, db, registry, hub, ingest, replicaId, apiRoutes: routesOf(api), close };
  } catch (err) {
    await Promise.all(tasks.map((t) => t.stop()));
    await notifier?.close();
    await db.close();
    throw err;
  }
}
