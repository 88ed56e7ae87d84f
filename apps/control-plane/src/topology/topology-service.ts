// The services and graph read APIs, computed from rollups over a look-back window, the registry and
// the edges seen so far. The database reads behind a window are shared by every caller of the same
// buckets (every console tab asks for the same graph) until something they read is written.
import { OUTCOMES, parseDuration, type GraphEdge, type GraphNode, type GraphResponse, type ServiceSummary, type ServicesResponse } from "@trellis/mesh-model";
import type { Database, EdgeTraffic } from "../db/index";
import { writeGeneration } from "../db/write-generation";
import { isRecent, isUp } from "../registry/instance-liveness";
import { coveredSeconds, queryWindow, type QueryWindow } from "./query-window";
import { SUCCESS_CLASSES, SUCCESS_OUTCOMES } from "./request-failure";
import { edgeKey, emptyStats, summarise, type TrafficStats } from "./traffic-stats";

/** Edges without traffic in the window still show (idle) if they carried traffic this recently. */
export const IDLE_EDGE_HORIZON_MS = 24 * 3_600_000;

/**
 * How long shared reads may serve callers while this process wrote nothing they read: the bound on
 * how late writes by other replicas (on one PostgreSQL) show.
 */
export const TRAFFIC_READ_MAX_AGE_MS = 2_000;

export interface TopologyServiceOptions {
  db: Pick<Database, "registry" | "rollups" | "edges" | "graphReads">;
  now: () => Date;
  retention10sMs: number;
  /** See TRAFFIC_READ_MAX_AGE_MS; 0 reads the database for every call. */
  readMaxAgeMs?: number;
}

/** An edge that may show: seen in the window's rollups, or known with when it last carried traffic. */
interface EdgeCandidate {
  id: string;
  source: string;
  target: string;
  inWindow: boolean;
  lastSeenMs: number;
}

/** What the database says about one bucket range, before anything that depends on the exact now. */
interface TrafficReads {
  earliest: Date | null;
  byEdge: Map<string, TrafficStats>;
  received: Map<string, TrafficStats>;
  known: { name: string; versions: string[] }[];
  /** Sorted by id, as the graph lists edges. */
  candidates: EdgeCandidate[];
}

interface CachedReads {
  generation: number;
  readAtMs: number;
  reads: Promise<TrafficReads>;
}

export class TopologyService {
  private readonly cache = new Map<string, CachedReads>();

  constructor(private readonly options: TopologyServiceOptions) {}

  /** `window` was validated by ZWindow. */
  private async traffic(window: string) {
    const now = this.options.now();
    const windowMs = parseDuration(window) ?? 300_000;
    const buckets = queryWindow(windowMs, now.getTime(), this.options.retention10sMs);
    const reads = await this.reads(buckets);
    const range = { ...buckets, seconds: coveredSeconds(buckets, reads.earliest, now.getTime()) };
    return { now, windowMs, range, reads };
  }

  /**
   * The reads of one bucket range, shared while no write in this process could have changed them
   * (the generation is taken before reading) and they are younger than the max age. Rates and idle
   * edges depend on the exact now and are computed per call, so answers equal uncached ones.
   */
  private reads(buckets: QueryWindow): Promise<TrafficReads> {
    const key = `${buckets.resolution}:${buckets.from.getTime()}:${buckets.to.getTime()}`;
    const nowMs = performance.now();
    const generation = writeGeneration();
    const cached = this.cache.get(key);
    if (cached && cached.generation === generation && nowMs - cached.readAtMs < (this.options.readMaxAgeMs ?? TRAFFIC_READ_MAX_AGE_MS)) return cached.reads;
    // Ranges move on every 10 s: drop the ones no caller can ask for again.
    for (const [k, entry] of this.cache) if (nowMs - entry.readAtMs >= TRAFFIC_READ_MAX_AGE_MS || entry.generation !== generation) this.cache.delete(k);
    const reads = this.readTraffic(buckets);
    const entry = { generation, readAtMs: nowMs, reads };
    this.cache.set(key, entry);
    reads.catch(() => {
      if (this.cache.get(key) === entry) this.cache.delete(key);
    });
    return reads;
  }

  private async readTraffic(buckets: QueryWindow): Promise<TrafficReads> {
    const { db } = this.options;
    const [cells, earliest, known, edgeRecords] = await Promise.all([
      db.graphReads.edgeTraffic(buckets.resolution, buckets.from, buckets.to, { outcomes: SUCCESS_OUTCOMES, classes: SUCCESS_CLASSES }),
      db.rollups.earliestBucket(buckets.resolution),
      db.registry.listServices(),
      db.edges.list(),
    ]);
    const candidates = new Map<string, EdgeCandidate>();
    for (const cell of cells) {
      const id = edgeKey(cell.source, cell.destination);
      if (!candidates.has(id)) candidates.set(id, { id, source: cell.source, target: cell.destination, inWindow: true, lastSeenMs: -Infinity });
    }
    for (const e of edgeRecords) {
      const id = edgeKey(e.source, e.destination);
      const c = candidates.get(id);
      if (c) c.lastSeenMs = e.lastSeenAt.getTime();
      else candidates.set(id, { id, source: e.source, target: e.destination, inWindow: false, lastSeenMs: e.lastSeenAt.getTime() });
    }
    const byEdge = new Map<string, TrafficStats>();
    const received = new Map<string, TrafficStats>();
    for (const cell of cells) {
      byEdge.set(edgeKey(cell.source, cell.destination), statsOf(cell));
      let into = received.get(cell.destination);
      if (!into) received.set(cell.destination, (into = emptyStats()));
      addStats(into, cell);
    }
    return {
      earliest,
      byEdge,
      received,
      known,
      candidates: [...candidates.values()].sort((a, b) => a.id.localeCompare(b.id)),
    };
  }

  async services(window: string): Promise<ServicesResponse> {
    const [{ now, range, reads }, instances] = await Promise.all([this.traffic(window), this.options.db.registry.listInstances()]);
    const nowMs = now.getTime();
    const services = reads.known.map((svc): ServiceSummary => {
      const mine = instances.filter((i) => i.service === svc.name && isRecent(i, nowMs));
      const summary = summarise(reads.received.get(svc.name) ?? emptyStats(), range.seconds);
      return {
        name: svc.name,
        versions: [...svc.versions].sort(),
        instances: { total: mine.length, up: mine.filter((i) => isUp(i, nowMs)).length },
        requestRate: summary.requestRate,
        errorRate: summary.errorRate,
        latencyMs: summary.latencyMs,
        health: summary.health,
      };
    });
    services.sort((a, b) => a.name.localeCompare(b.name));
    return { window, generatedAt: now.toISOString(), services };
  }

  async graph(window: string): Promise<GraphResponse> {
    const { now, windowMs, range, reads } = await this.traffic(window);
    const idleSince = now.getTime() - Math.max(windowMs, IDLE_EDGE_HORIZON_MS);
    const shown = reads.candidates.filter((c) => c.inWindow || c.lastSeenMs >= idleSince);

    const versions = new Map(reads.known.map((s) => [s.name, [...s.versions].sort()]));
    const names = new Set([...versions.keys()]);
    for (const { source, target } of shown) names.add(source).add(target);

    const nodes = [...names].sort().map((name): GraphNode => {
      const summary = summarise(reads.received.get(name) ?? emptyStats(), range.seconds);
      return { id: name, service: name, versions: versions.get(name) ?? [], requestRate: summary.requestRate, errorRate: summary.errorRate, health: summary.health };
    });
    const edges = shown.map(({ id, source, target }): GraphEdge => {
      const s = summarise(reads.byEdge.get(id) ?? emptyStats(), range.seconds);
      return { id, source, target, requestRate: s.requestRate, errorRate: s.errorRate, latencyMs: s.latencyMs, outcomes: s.outcomes, mtlsShare: s.mtlsShare, health: s.health };
    });
    return { window, generatedAt: now.toISOString(), nodes, edges };
  }
}

function statsOf(e: EdgeTraffic): TrafficStats {
  return { requests: e.requests, failures: e.failures, mtls: e.mtls, durationSumMs: e.durationSumMs, buckets: e.buckets, outcomes: e.outcomes };
}

function addStats(into: TrafficStats, e: EdgeTraffic): void {
  into.requests += e.requests;
  into.failures += e.failures;
  into.mtls += e.mtls;
  into.durationSumMs += e.durationSumMs;
  for (let i = 0; i < into.buckets.length; i++) into.buckets[i]! += e.buckets[i] ?? 0;
  for (const o of OUTCOMES) into.outcomes[o] += e.outcomes[o];
}
