// Services, their versions and their instances (sidecars) with leases.
import { ZLabels } from "@trellis/mesh-model";
import { z } from "zod";
import { parseJsonColumn } from "./columns";
import { Prisma, type DbClient } from "./prisma-client";
import type { InstanceRecord, RegistryRepository } from "./repositories";

type InstanceRow = Awaited<ReturnType<DbClient["instance"]["findFirstOrThrow"]>>;

export function registryRepository(db: DbClient): RegistryRepository {
  // Plain INSERT ... ON CONFLICT DO NOTHING: concurrent first sightings of a service (two sidecars
  // registering, or ingest on another replica) must not fail on the primary key.
  const ensureServiceQuery = (name: string, now: Date) =>
    db.$executeRaw`INSERT INTO "Service" ("name", "createdAt") VALUES (${name}, ${now}) ON CONFLICT DO NOTHING`;
  const ensureVersionQuery = (service: string, version: string, now: Date) =>
    db.$executeRaw`INSERT INTO "ServiceVersion" ("service", "version", "createdAt") VALUES (${service}, ${version}, ${now}) ON CONFLICT DO NOTHING`;

  return {
    async register(input) {
      const fields = {
        service: input.service,
        version: input.version,
        host: input.host,
        inboundPort: input.inboundPort,
        labels: JSON.stringify(input.labels),
        // A registration starts a new life of the instance (a sidecar registers when it starts).
        registeredAt: input.now,
        lastHeartbeatAt: input.now,
        leaseExpiresAt: input.leaseExpiresAt,
        deregisteredAt: null,
      };
      // Three statements in order, not a transaction (on SQLite each transaction costs a new
      // connection): the first two are idempotent, so a failure after them leaves only a known
      // service or version behind, as ingest's sightings do.
      await ensureServiceQuery(input.service, input.now);
      await ensureVersionQuery(input.service, input.version, input.now);
      const row = await db.instance.upsert({ where: { instanceId: input.instanceId }, create: { instanceId: input.instanceId, ...fields }, update: fields });
      return toRecord(row);
    },

    async renew(instanceId, now, leaseExpiresAt) {
      // An expired but not deregistered instance may renew: it was only late, and comes back live.
      const { count } = await db.instance.updateMany({
        where: { instanceId, deregisteredAt: null },
        data: { lastHeartbeatAt: now, leaseExpiresAt },
      });
      return count > 0;
    },

    async deregister(instanceId, now) {
      const { count } = await db.instance.updateMany({
        where: { instanceId, deregisteredAt: null },
        data: { deregisteredAt: now },
      });
      return count > 0;
    },

    async get(instanceId) {
      const row = await db.instance.findUnique({ where: { instanceId } });
      return row ? toRecord(row) : null;
    },

    async listInstances() {
      const rows = await db.instance.findMany({ orderBy: [{ service: "asc" }, { registeredAt: "desc" }, { instanceId: "asc" }] });
      return rows.map(toRecord);
    },

    async listLiveInstances(now) {
      // Every config push and every stream after a change reads this (a thousand rows at scale): raw
      // SQL skips Prisma's row mapping, and equal label texts are parsed once.
      const rows = await db.$queryRaw<unknown[]>`SELECT ${INSTANCE_COLUMNS} FROM "Instance"
        WHERE "deregisteredAt" IS NULL AND "leaseExpiresAt" > ${now}
        ORDER BY "service" ASC, "registeredAt" DESC, "instanceId" ASC`;
      return rows.map((raw) => toRecord(ZInstanceRow.parse(raw)));
    },

    async listServices() {
      // Two plain reads joined here: Prisma's `include` binds every service name as a parameter of its
      // second query, which past ~1,000 services exceeds SQLite's parameter limit.
      const [services, versions] = await Promise.all([
        db.service.findMany({ orderBy: { name: "asc" }, select: { name: true } }),
        db.serviceVersion.findMany({ orderBy: [{ service: "asc" }, { version: "asc" }], select: { service: true, version: true } }),
      ]);
      const byService = new Map<string, string[]>(services.map((service) => [service.name, []]));
      for (const v of versions) byService.get(v.service)?.push(v.version);
      return services.map((service) => ({ name: service.name, versions: byService.get(service.name) ?? [] }));
    },

    async ensureService(name, version) {
      const now = new Date();
      const queries = [ensureServiceQuery(name, now)];
      if (version !== undefined) queries.push(ensureVersionQuery(name, version, now));
      await db.$transaction(queries);
    },
  };
}

const INSTANCE_COLUMNS = Prisma.raw(
  ["instanceId", "service", "version", "host", "inboundPort", "labels", "registeredAt", "lastHeartbeatAt", "leaseExpiresAt", "deregisteredAt"].map((c) => `"${c}"`).join(", "),
);
const ZInstanceRow = z.object({
  instanceId: z.string(),
  service: z.string(),
  version: z.string(),
  host: z.string(),
  inboundPort: z.number().int(),
  labels: z.string(),
  registeredAt: z.date(),
  lastHeartbeatAt: z.date(),
  leaseExpiresAt: z.date(),
  deregisteredAt: z.date().nullable(),
});

/** Label sets by their JSON text: most instances share a few (often `{}`); bounded, cleared when full. */
const labelCache = new Map<string, Record<string, string>>();
function labelsOf(text: string): Record<string, string> {
  let labels = labelCache.get(text);
  if (!labels) {
    if (labelCache.size >= 10_000) labelCache.clear();
    labels = parseJsonColumn(ZLabels, text);
    labelCache.set(text, labels);
  }
  // A copy: callers own their record.
  return { ...labels };
}

function toRecord(row: InstanceRow | z.infer<typeof ZInstanceRow>): InstanceRecord {
  return {
    instanceId: row.instanceId,
    service: row.service,
    version: row.version,
    host: row.host,
    inboundPort: row.inboundPort,
    labels: labelsOf(row.labels),
    registeredAt: row.registeredAt,
    lastHeartbeatAt: row.lastHeartbeatAt,
    leaseExpiresAt: row.leaseExpiresAt,
    deregisteredAt: row.deregisteredAt,
  };
}

