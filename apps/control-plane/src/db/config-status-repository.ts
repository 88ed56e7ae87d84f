// Per sidecar: the config revision last sent, and its last ACK or NACK.
import type { DbClient } from "./prisma-client";
import type { ConfigStatusRecord, ConfigStatusRepository } from "./repositories";

export function configStatusRepository(db: DbClient): ConfigStatusRepository {
  return {
    async recordSent(instanceId, revision, now) {
      await db.configStatus.upsert({
        where: { instanceId },
        create: { instanceId, sentRevision: revision, sentAt: now },
        update: { sentRevision: revision, sentAt: now },
      });
    },

    async recordAnswer(instanceId, answer, now) {
      const fields = {
        lastAnswerRevision: answer.revision,
        lastAnswerAccepted: answer.accepted,
        lastError: answer.accepted ? null : (answer.error ?? null),
        lastAnswerAt: now,
        // A NACK leaves the acked revision alone: the sidecar keeps running the last one it accepted.
        ...(answer.accepted ? { ackedRevision: answer.revision } : {}),
      };
      await db.configStatus.upsert({ where: { instanceId }, create: { instanceId, ...fields }, update: fields });
    },

    async list() {
      const rows = await db.configStatus.findMany({ orderBy: { instanceId: "asc" } });
      return rows.map(
        (row): ConfigStatusRecord => ({
          instanceId: row.instanceId,
          sentRevision: row.sentRevision,
          sentAt: row.sentAt,
          ackedRevision: row.ackedRevision,
          lastAnswerRevision: row.lastAnswerRevision,
          lastAnswerAccepted: row.lastAnswerAccepted,
          lastError: row.lastError,
          lastAnswerAt: row.lastAnswerAt,
        }),
      );
    },
  };
}
