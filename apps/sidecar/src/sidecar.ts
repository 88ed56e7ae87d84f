// Assembles one sidecar from its config: listeners, stacks, snapshot store and cache, control-plane
// session, telemetry, admin. `startSidecar` returns once every port is bound and the cache (if
// any) is loaded; `stop` drains. Tests run it in-process; main.ts runs it as a process.
import { hostname } from "node:os";
import { join } from "node:path";
import type { BackoffPolicy } from "./control/backoff";
import { ControlPlaneApi } from "./control/control-api";
import { ControlSession } from "./control/control-session";
import { createAdminServer } from "./admin/admin-server";
import { toTarget } from "./balancers/balancer";
import { EndpointLoads } from "./balancers/endpoint-load";
import { RetryBudgets } from "./retry/retry-budget";
import type { SidecarConfig } from "./config";
import { createUpstreamAgent } from "./http/upstream-agent";
import { MTLS_LABEL, UpstreamPools } from "./http/upstream-pools";
import { CaClient } from "./identity/ca-client";
import { IdentityCache } from "./identity/identity-cache";
import { acceptMtls } from "./identity/mtls-listener";
import { WorkloadIdentity, type IdentityMaterial } from "./identity/workload-identity";
import { AuthorizationStats } from "./layers/authorize";
import { Limits } from "./breaker/destination-limits";
import { BreakerBoard } from "./breaker/breaker-board";
import { HealthChecks } from "./health/health-checks";
import { deriveInstanceId } from "./instance-id";
import { createProxyServer } from "./listeners/proxy-server";
import { drain, listen } from "./listeners/listen";
import { inboundLimits } from "./listeners/malformed-http";
import { createLogger, type Logger } from "./log";
import { BundleCache } from "./snapshot/bundle-cache";
import { SnapshotStore } from "./snapshot/snapshot-store";
import { inboundStack, outboundStack } from "./stack";
import { LocalStats } from "./telemetry/local-stats";
import { RejectionCounts } from "./telemetry/rejection-counts";
import { startOtelMetrics } from "./telemetry/otel-metrics";
import { fanOut } from "./telemetry/request-recorder";

export interface Sidecar {
  readonly instanceId: string;
  readonly cacheDir: string;
  readonly ports: { outbound: number; inbound: number; admin: number };
  readonly store: SnapshotStore;
  readonly session: ControlSession;
  /** Exports recorded metrics now (tests; shutdown does it too). */
  flushTelemetry(): Promise<void>;
  /** Deregisters, stops accepting, lets in-flight requests finish (up to the drain timeout), flushes telemetry. */
  stop(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  backoff?: BackoffPolicy;
  hostname?: string;
}

/** A healthy OTLP receiver takes milliseconds; a down one must not hold up the exit. */
const TELEMETRY_FLUSH_MS = 2_000;

/** The outbound listener is for the local app only, and the admin port must never be reachable from outside. */
const LOOPBACK = "127.0.0.1";

export async function startSidecar(config: SidecarConfig, options: StartOptions = {}): Promise<Sidecar> {
  const log = options.log ?? createLogger({ service: config.service, level: config.logLevel });
  const identity = { service: config.service, version: config.version };
  // Endpoint load (in flight, latency) outlives snapshots so a new bundle keeps balancing on what it knows.
  // So do ejections and health (the breakers), kept per destination and instance id.
  const breakers = new BreakerBoard();
  const store = new SnapshotStore(identity, log, { loads: new EndpointLoads(), breakers, log });
  const dispatcher = createUpstreamAgent();
  let draining = false;

  // Inbound first: with port 0 its real port is part of the default instance id.
  const app = toTarget({ instanceId: "local-app", version: config.version, host: config.appHost, port: config.appPort, weight: 1, labels: {} });
  // Malformed requests refused by the listeners, per direction and reason (/stats and OTLP).
  const rejections = new RejectionCounts();
  const httpLimits = { maxHeaderBytes: config.maxHeaderBytes, maxHeaderCount: config.maxHeaderCount, headersTimeoutMs: config.headersTimeoutMs };
  const authorization = new AuthorizationStats();
  const forwarded = { outbound: { tries: 0, abortedInFlight: 0 }, inbound: { tries: 0, abortedInFlight: 0 } };
  const inbound = createProxyServer({ direction: "inbound", stack: inboundStack({ log, dispatcher, app, draining: () => draining, authorization, forwarded: forwarded.inbound }), log, snapshot: () => store.current, stampSource: undefined, limits: inboundLimits(httpLimits), onReject: rejections.recorder("inbound") });
  // Mutual TLS on inbound: TLS connections need our certificate (and the caller's, verified); plaintext
  // is refused in strict mode. Before any bundle a sidecar that takes part in mTLS is strict.
  let workloadIdentity: WorkloadIdentity | undefined;
  const currentIdentity = (): IdentityMaterial | undefined => workloadIdentity?.current();
  const mtls = acceptMtls(inbound.server, {
    identity: currentIdentity,
    trustDomain: config.trustDomain,
    mode: () => store.current?.bundle.inbound.mtlsMode ?? (workloadIdentity?.configured ? "strict" : "permissive"),
    log,
  });
  const inboundPort = await listen(inbound.server, config.inboundPort, config.bindHost);
  const instanceId = config.instanceId ?? deriveInstanceId(config.service, config.version, options.hostname ?? hostname(), inboundPort);
  const cacheDir = config.cacheDir ?? join("data", "sidecar", instanceId);
  // The certificate is cached beside the bundle; with a join token it is obtained and renewed in the background.
  const client = config.joinToken ? new CaClient(config.controlPlane, config.joinToken) : undefined;
  const workload = new WorkloadIdentity({ service: config.service, trustDomain: config.trustDomain, client, cache: new IdentityCache(cacheDir), log });
  workloadIdentity = workload;
  await workload.start();

  // Outbound tries use one pool per destination, capped by its circuit breaker's maxConnections.
  const pools = new UpstreamPools({}, { identity: workload, trustDomain: config.trustDomain });
  // Active health checks of the destination endpoints and the local app follow every applied bundle;
  // endpoints are checked through the same pools as the traffic (mutual TLS when it must be).
  const checks = new HealthChecks({ dispatcher, dispatcherFor: (dest) => pools.of(dest), app, onLocalChange: (healthy) => log.info("local_app_health", { healthy }) });
  store.onApplied((snapshot) => checks.sync(snapshot));

  const cache = new BundleCache(cacheDir, log);
  await loadCache(cache, store, log);

  const otel = startOtelMetrics({ endpoint: config.otlpEndpoint, intervalMs: config.metricsIntervalMs, service: config.service, version: config.version, instanceId, log, endpoints: () => breakers.endpoints(), rejections: () => rejections.entries() });
  const stats = new LocalStats();
  const recorder = fanOut([otel.recorder, stats], (error) => log.warn("telemetry_record_failed", { error }));
  const budgets = new RetryBudgets();
  const limits = new Limits();
  const outbound = createProxyServer({ direction: "outbound", stack: outboundStack({ log, recorder, dispatcher, budgets, limits, pools, forwarded: forwarded.outbound }), log, snapshot: () => store.current, stampSource: config.service, limits: httpLimits, onReject: rejections.recorder("outbound") });
  const outboundPort = await listen(outbound.server, config.outboundPort, LOOPBACK);

  // The join token also authenticates the sidecar to the control plane (it may act only as its service).
  const api = new ControlPlaneApi({ baseUrl: config.controlPlane, token: config.joinToken });
  // The label tells permissive callers that this sidecar speaks mTLS.
  const labels: Record<string, string> = workload.configured ? { [MTLS_LABEL]: "true" } : {};
  const registration = { instanceId, service: config.service, version: config.version, host: config.advertiseHost, inboundPort, labels };
  const session = new ControlSession({ api, registration, store, cache, log, backoff: options.backoff });

  const startedAt = Date.now();
  const admin = createAdminServer({
    snapshot: () => store.current,
    draining: () => draining,
    localHealthy: () => checks.localHealthy,
    stats: () => ({
      service: config.service,
      version: config.version,
      instanceId,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      config: store.current ? { revision: store.current.revision, source: store.current.source, appliedAt: store.current.appliedAt } : null,
      controlPlane: session.status,
      requests: stats.view(),
      // Retries refused per destination because its retry budget was spent.
      retryBudgetExhausted: budgets.exhausted(),
      // Requests the listeners refused as malformed or ambiguous HTTP, per direction and reason.
      rejectedRequests: rejections.view(),
      // Circuit-breaker limits per destination: tries in flight, waiting for a connection, refused.
      limits: limits.view(),
      // Outlier ejection and health per destination endpoint: state, for how long, why, ejections.
      breakers: breakers.view(),
      healthChecks: checks.view(),
      inFlight: { outbound: outbound.inFlight, inbound: inbound.inFlight },
      // Requests (tries, retries included) written to an upstream: outbound to endpoints, inbound to the app;
      // of those, the ones aborted after they left (the caller went away, a timeout). See http/upstream-try.ts.
      forwarded: { outbound: forwarded.outbound.tries, inbound: forwarded.inbound.tries },
      forwardedAbortedInFlight: { outbound: forwarded.outbound.abortedInFlight, inbound: forwarded.inbound.abortedInFlight },
      // This sidecar's certificate, the inbound connections by kind, and authorization decisions per caller.
      identity: workload.status,
      mtls: { ...mtls },
      authorization: authorization.view(),
    }),
  });
  const adminPort = await listen(admin, config.adminPort, LOOPBACK);
  session.start();

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    draining = true;
    log.info("draining", { inFlight: { outbound: outbound.inFlight, inbound: inbound.inFlight }, drainTimeoutMs: config.drainTimeoutMs });
    checks.stop();
    workload.stop();
    await session.stop({ deregister: true });
    await Promise.all([drain(outbound.server, config.drainTimeoutMs), drain(inbound.server, config.drainTimeoutMs)]);
    await otel.shutdown(TELEMETRY_FLUSH_MS);
    // Drained already; whatever is still open has outlived the drain timeout.
    await dispatcher.destroy().catch(() => {});
    await pools.destroy();
    await drain(admin, 0);
    log.info("stopped", { instanceId });
  };

  return {
    instanceId,
    cacheDir,
    ports: { outbound: outboundPort, inbound: inboundPort, admin: adminPort },
    store,
    session,
    flushTelemetry: () => otel.flush(),
    stop: () => (stopping ??= stop()),
  };
}

async function loadCache(cache: BundleCache, store: SnapshotStore, log: Logger): Promise<void> {
  const loaded = await cache.load();
  if (loaded.status === "missing") {
    log.info("config_cache_missing", { file: cache.file });
    return;
  }
  if (loaded.status === "corrupt") {
    log.error("config_cache_corrupt", { file: cache.file, error: loaded.error, action: "ignored; waiting for the control plane" });
    return;
  }
  const result = store.apply(loaded.bundle, { source: "cache", allowRegression: true });
  if (result.status === "rejected") log.error("config_cache_rejected", { file: cache.file, error: result.error, action: "ignored; waiting for the control plane" });
}
