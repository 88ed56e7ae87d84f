// The audit log: append-only (entries are written by the repositories whose changes they record, in
// the same transaction), read newest first.
import { z } from "zod";
import type { DbClient } from "./prisma-client";
import { AUDIT_ACTIONS, type AuditAction, type AuditRecord, type AuditRepository } from "./repositories";

const ZAuditAction = z.enum(AUDIT_ACTIONS);

type Writer = Pick<DbClient, "auditEntry">;

export interface AuditEntryInput {
  at: Date;
  actor: string;
  action: AuditAction;
  service: string;
  revision: number;
  message: string;
}

/** Appends one entry; usable inside a transaction. */
export async function appendAudit(db: Writer, entry: AuditEntryInput): Promise<void> {
  await db.auditEntry.create({ data: entry });
}

export function auditRepository(db: DbClient): AuditRepository {
  return {
    async list(limit) {
      const rows = await db.auditEntry.findMany({ orderBy: [{ at: "desc" }, { id: "desc" }], take: limit });
      return rows.map((row): AuditRecord => ({ ...row, action: ZAuditAction.parse(row.action) }));
    },
  };
}
