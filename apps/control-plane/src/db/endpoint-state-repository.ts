// The latest breaker state of each destination endpoint per reporting sidecar, and its ejections per
// minute. Writes are multi-row upserts; a report older than the stored one changes only the counts.
import type { BreakerReason, BreakerStateName } from "@trellis/mesh-model";
import { Prisma, type DbClient } from "./prisma-client";

export interface EndpointStateReport {
  service: string;
  endpoint: string;
  reporter: string;
  reporterService: string;
  state: BreakerStateName;
  reason: BreakerReason;
  since: Date | null;
  healthy: boolean | null;
  /** Ejections since the reporter's previous report (a delta). */
  ejections: number;
  reportedAt: Date;
}

export interface EndpointStateRecord extends Omit<EndpointStateReport, "state" | "reason" | "ejections"> {
  /** As stored: the service checks them against BREAKER_STATES / BREAKER_REASONS when reading. */
  state: string;
  reason: string;
  /** Ejections summed over every report since the row was created. */
  ejectionsTotal: number;
  lastEjectionAt: Date | null;
}

export interface EndpointEjectionCount {
  endpoint: string;
  reporter: string;
  count: number;
}

export interface EndpointStateRepository {
  /** Upserts each report and adds its ejections to the row and to its minute. One transaction. */
  record(reports: ReadonlyArray<EndpointStateReport>): Promise<void>;
  /** Every stored view of the service's endpoints. */
  list(service: string): Promise<EndpointStateRecord[]>;
  /** Ejections per endpoint and reporter in minutes starting at or after `from`. */
  ejectionsSince(service: string, from: Date): Promise<EndpointEjectionCount[]>;
  /** Keys (service, endpoint, reporter joined by NUL) of every stored view. */
  keys(): Promise<string[]>;
  /** Deletes views not reported since `cutoff` and ejection minutes before it; returns rows deleted. */
  deleteBefore(cutoff: Date): Promise<number>;
}

/** Rows per INSERT: far below SQLite's and PostgreSQL's bind-parameter limits. */
const CHUNK = 200;
const MINUTE_MS = 60_000;

export const endpointStateKey = (service: string, endpoint: string, reporter: string): string => `${service}\u0000${endpoint}\u0000${reporter}`;

export function endpointStateRepository(db: DbClient): EndpointStateRepository {
  return {
    async record(reports) {
      // One row per key: PostgreSQL refuses an upsert that touches the same row twice in one statement.
      const byKey = new Map<string, EndpointStateReport & { lastEjectionAt: Date | null }>();
      for (const r of reports) {
        const key = endpointStateKey(r.service, r.endpoint, r.reporter);
        const prev = byKey.get(key);
        const lastEjectionAt = r.ejections > 0 ? r.reportedAt : null;
        if (!prev) byKey.set(key, { ...r, lastEjectionAt });
        else {
          const newer = r.reportedAt >= prev.reportedAt ? r : prev;
          byKey.set(key, { ...newer, ejections: prev.ejections + r.ejections, lastEjectionAt: latest(prev.lastEjectionAt, lastEjectionAt) });
        }
      }
      const rows = [...byKey.values()];
      if (rows.length === 0) return;
      const minutes = new Map<string, { service: string; endpoint: string; reporter: string; minute: Date; count: number }>();
      for (const r of rows) {
        if (r.ejections <= 0) continue;
        const minute = new Date(Math.floor(r.reportedAt.getTime() / MINUTE_MS) * MINUTE_MS);
        const key = `${endpointStateKey(r.service, r.endpoint, r.reporter)}\u0000${minute.getTime()}`;
        const m = minutes.get(key);
        if (m) m.count += r.ejections;
        else minutes.set(key, { service: r.service, endpoint: r.endpoint, reporter: r.reporter, minute, count: r.ejections });
      }
      const statements = [];
      for (let i = 0; i < rows.length; i += CHUNK) {
        const values = rows
          .slice(i, i + CHUNK)
          .map((r) => Prisma.sql`(${r.service}, ${r.endpoint}, ${r.reporter}, ${r.reporterService}, ${r.state}, ${r.reason}, ${r.since}, ${r.healthy}, ${r.ejections}, ${r.lastEjectionAt}, ${r.reportedAt})`);
        // The state is the newest report's, whatever order exports from several replicas commit in;
        // ejections always add up.
        const newer = Prisma.sql`excluded."reportedAt" >= "EndpointState"."reportedAt"`;
        statements.push(db.$executeRaw`
          INSERT INTO "EndpointState" ("service", "endpoint", "reporter", "reporterService", "state", "reason", "since", "healthy", "ejections", "lastEjectionAt", "reportedAt")
          VALUES ${Prisma.join(values)}
          ON CONFLICT ("service", "endpoint", "reporter") DO UPDATE SET
            "reporterService" = CASE WHEN ${newer} THEN excluded."reporterService" ELSE "EndpointState"."reporterService" END,
            "state" = CASE WHEN ${newer} THEN excluded."state" ELSE "EndpointState"."state" END,
            "reason" = CASE WHEN ${newer} THEN excluded."reason" ELSE "EndpointState"."reason" END,
            "since" = CASE WHEN ${newer} THEN excluded."since" ELSE "EndpointState"."since" END,
            "healthy" = CASE WHEN ${newer} THEN excluded."healthy" ELSE "EndpointState"."healthy" END,
            "ejections" = "EndpointState"."ejections" + excluded."ejections",
            "lastEjectionAt" = CASE
              WHEN excluded."lastEjectionAt" IS NULL THEN "EndpointState"."lastEjectionAt"
              WHEN "EndpointState"."lastEjectionAt" IS NULL OR excluded."lastEjectionAt" > "EndpointState"."lastEjectionAt" THEN excluded."lastEjectionAt"
              ELSE "EndpointState"."lastEjectionAt" END,
            "reportedAt" = CASE WHEN ${newer} THEN excluded."reportedAt" ELSE "EndpointState"."reportedAt" END`);
      }
      const counts = [...minutes.values()];
      for (let i = 0; i < counts.length; i += CHUNK) {
        const values = counts.slice(i, i + CHUNK).map((m) => Prisma.sql`(${m.service}, ${m.endpoint}, ${m.reporter}, ${m.minute}, ${m.count})`);
        statements.push(db.$executeRaw`
          INSERT INTO "EndpointEjection" ("service", "endpoint", "reporter", "minute", "count") VALUES ${Prisma.join(values)}
          ON CONFLICT ("service", "endpoint", "reporter", "minute") DO UPDATE SET "count" = "EndpointEjection"."count" + excluded."count"`);
      }
      await db.$transaction(statements);
    },

    async list(service) {
      const rows = await db.endpointState.findMany({ where: { service }, orderBy: [{ endpoint: "asc" }, { reporter: "asc" }] });
      return rows.map((r) => ({
        service: r.service,
        endpoint: r.endpoint,
        reporter: r.reporter,
        reporterService: r.reporterService,
        state: r.state,
        reason: r.reason,
        since: r.since,
        healthy: r.healthy,
        ejectionsTotal: r.ejections,
        lastEjectionAt: r.lastEjectionAt,
        reportedAt: r.reportedAt,
      }));
    },

    async ejectionsSince(service, from) {
      const groups = await db.endpointEjection.groupBy({ by: ["endpoint", "reporter"], where: { service, minute: { gte: from } }, _sum: { count: true } });
      return groups.map((g) => ({ endpoint: g.endpoint, reporter: g.reporter, count: g._sum.count ?? 0 }));
    },

    async keys() {
      const rows = await db.endpointState.findMany({ select: { service: true, endpoint: true, reporter: true } });
      return rows.map((r) => endpointStateKey(r.service, r.endpoint, r.reporter));
    },

    async deleteBefore(cutoff) {
      const [states, minutes] = await db.$transaction([
        db.endpointState.deleteMany({ where: { reportedAt: { lt: cutoff } } }),
        db.endpointEjection.deleteMany({ where: { minute: { lt: cutoff } } }),
      ]);
      return states.count + minutes.count;
    },
  };
}

function latest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}
