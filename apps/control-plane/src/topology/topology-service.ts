// The services and graph read APIs, computed from rollups over a look-back window, the registry and
// the edges seen so far.
import { parseDuration, type GraphEdge, type GraphNode, type GraphResponse, type ServiceSummary, type ServicesResponse } from "@trellis/mesh-model";
import type { Repositories } from "../db/repositories";
import { isRecent, isUp } from "../registry/instance-liveness";
import { coveredSeconds, queryWindow } from "./query-window";
import { edgeKey, emptyStats, statsByDestination, statsByEdge, summarise } from "./traffic-stats";

/** Edges without traffic in the window still show (idle) if they carried traffic this recently. */
export const IDLE_EDGE_HORIZON_MS = 24 * 3_600_000;

export interface TopologyServiceOptions {
  db: Pick<Repositories, "registry" | "rollups" | "edges">;
  now: () => Date;
  retention10sMs: number;
}

export class TopologyService {
  constructor(private readonly options: TopologyServiceOptions) {}

  /** `window` was validated by ZWindow. */
  private async traffic(window: string) {
    const now = this.options.now();
    const windowMs = parseDuration(window) ?? 300_000;
    const buckets = queryWindow(windowMs, now.getTime(), this.options.retention10sMs);
    const [cells, earliest] = await Promise.all([
      this.options.db.rollups.aggregate(buckets.resolution, buckets.from, buckets.to),
      this.options.db.rollups.earliestBucket(buckets.resolution),
    ]);
    const range = { ...buckets, seconds: coveredSeconds(buckets, earliest, now.getTime()) };
    return { now, windowMs, range, cells };
  }

  async services(window: string): Promise<ServicesResponse> {
    const [{ now, range, cells }, known, instances] = await Promise.all([
      this.traffic(window),
      this.options.db.registry.listServices(),
      this.options.db.registry.listInstances(),
    ]);
    const nowMs = now.getTime();
    const received = statsByDestination(cells);
    const services = known.map((svc): ServiceSummary => {
      const mine = instances.filter((i) => i.service === svc.name && isRecent(i, nowMs));
      const summary = summarise(received.get(svc.name) ?? emptyStats(), range.seconds);
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
    const [{ now, windowMs, range, cells }, known, edgeRecords] = await Promise.all([
      this.traffic(window),
      this.options.db.registry.listServices(),
      this.options.db.edges.list(),
    ]);
    const byEdge = statsByEdge(cells);
    const received = statsByDestination(cells);
    const idleSince = now.getTime() - Math.max(windowMs, IDLE_EDGE_HORIZON_MS);

    const pairs = new Map<string, { source: string; target: string }>();
    for (const cell of cells) pairs.set(edgeKey(cell.source, cell.destination), { source: cell.source, target: cell.destination });
    for (const e of edgeRecords) {
      if (e.lastSeenAt.getTime() >= idleSince) pairs.set(edgeKey(e.source, e.destination), { source: e.source, target: e.destination });
    }

    const versions = new Map(known.map((s) => [s.name, [...s.versions].sort()]));
    const names = new Set([...versions.keys()]);
    for (const { source, target } of pairs.values()) names.add(source).add(target);

    const nodes = [...names].sort().map((name): GraphNode => {
      const summary = summarise(received.get(name) ?? emptyStats(), range.seconds);
      return { id: name, service: name, versions: versions.get(name) ?? [], requestRate: summary.requestRate, errorRate: summary.errorRate, health: summary.health };
    });
    const edges = [...pairs.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, { source, target }]): GraphEdge => {
        const s = summarise(byEdge.get(id) ?? emptyStats(), range.seconds);
        return { id, source, target, requestRate: s.requestRate, errorRate: s.errorRate, latencyMs: s.latencyMs, outcomes: s.outcomes, mtlsShare: s.mtlsShare, health: s.health };
      });
    return { window, generatedAt: now.toISOString(), nodes, edges };
  }
}
