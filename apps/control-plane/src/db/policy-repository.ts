// Policies as immutable revisions per service; each save is one new mesh revision, in one transaction.
import { ZPolicySpec } from "@trellis/mesh-model";
import { appendAudit } from "./audit-repository";
import { parseJsonColumn } from "./columns";
import { bumpRevision } from "./mesh-revision-repository";
import type { DbClient } from "./prisma-client";
import type { PolicyRepository, PolicyRevisionRecord } from "./repositories";

type PolicyRow = Awaited<ReturnType<DbClient["policyRevision"]["findFirstOrThrow"]>>;

export function policyRepository(db: DbClient): PolicyRepository {
  return {
    async currentSpecs() {
      const rows = await latestRows(db);
      return new Map(rows.map((row) => [row.service, parseJsonColumn(ZPolicySpec, row.spec)]));
    },

    async current() {
      return (await latestRows(db)).map(toRecord);
    },

    async save({ service, spec, author, message, now, action = "policy.update" }) {
      // Stored exactly as it will be read back: a spec that does not parse never reaches the table.
      const json = JSON.stringify(ZPolicySpec.parse(spec));
      const row = await db.$transaction(async (tx) => {
        // The bump is the transaction's first statement, so SQLite takes its write lock up front.
        const revision = await bumpRevision(tx, `policy ${service}: ${message}`, now);
        const created = await tx.policyRevision.create({ data: { service, revision, spec: json, author, message, createdAt: now } });
        await appendAudit(tx, { at: now, actor: author, action, service, revision, message });
        return created;
      });
      return toRecord(row);
    },

    async get(service, revision) {
      const row = await db.policyRevision.findUnique({ where: { service_revision: { service, revision } } });
      return row ? toRecord(row) : null;
    },

    async history(service) {
      const rows = await db.policyRevision.findMany({ where: { service }, orderBy: { revision: "desc" } });
      return rows.map(toRecord);
    },
  };
}

/** Every service's latest revision, by service name. */
function latestRows(db: DbClient): Promise<PolicyRow[]> {
  // Policy edits are human-paced, so reading every service's latest revision this way stays small.
  return db.policyRevision.findMany({ orderBy: [{ service: "asc" }, { revision: "desc" }], distinct: ["service"] });
}

function toRecord(row: PolicyRow): PolicyRevisionRecord {
  return {
    service: row.service,
    revision: row.revision,
    spec: parseJsonColumn(ZPolicySpec, row.spec),
    author: row.author,
    message: row.message,
    createdAt: row.createdAt,
  };
}
