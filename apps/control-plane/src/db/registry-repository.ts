// Services, their versions and their instances (sidecars) with leases.
import { ZLabels } from "@trellis/mesh-model";
import { parseJsonColumn } from "./columns";
import type { DbClient } from "./prisma-client";
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
      const [, , row] = await db.$transaction([
        ensureServiceQuery(input.service, input.now),
        ensureVersionQuery(input.service, input.version, input.now),
        db.instance.upsert({ where: { instanceId: input.instanceId }, create: { instanceId: input.instanceId, ...fields }, update: fields }),
      ]);
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
      const rows = await db.instance.findMany({
        where: { deregisteredAt: null, leaseExpiresAt: { gt: now } },
        orderBy: [{ service: "asc" }, { registeredAt: "desc" }, { instanceId: "asc" }],
      });
      return rows.map(toRecord);
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

function toRecord(row: InstanceRow): InstanceRecord {
  return {
    instanceId: row.instanceId,
    service: row.service,
    version: row.version,
    host: row.host,
    inboundPort: row.inboundPort,
    labels: parseJsonColumn(ZLabels, row.labels),
    registeredAt: row.registeredAt,
    lastHeartbeatAt: row.lastHeartbeatAt,
    leaseExpiresAt: row.leaseExpiresAt,
    deregisteredAt: row.deregisteredAt,
  };
}

