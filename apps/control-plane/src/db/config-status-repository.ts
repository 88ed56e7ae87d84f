// Per sidecar: the config revision last sent, its last ACK or NACK, and which replica holds its config stream.
import type { DbClient } from "./prisma-client";
import type { ConfigStatusRecord, ConfigStatusRepository } from "./repositories";

const STREAM_CHUNK = 500;

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

    async markStreamsOpen(instanceIds, replica, now) {
      // Usually every row exists (one per sidecar ever sent a bundle): one UPDATE per chunk, then an
      // upsert only for the new ones, so refreshing a thousand streams is a few statements.
      for (let i = 0; i < instanceIds.length; i += STREAM_CHUNK) {
        const chunk = instanceIds.slice(i, i + STREAM_CHUNK);
        const { count } = await db.configStatus.updateMany({ where: { instanceId: { in: chunk } }, data: { streamReplica: replica, streamSeenAt: now } });
        if (count === chunk.length) continue;
        for (const instanceId of chunk) {
          await db.configStatus.upsert({
            where: { instanceId },
            create: { instanceId, streamReplica: replica, streamSeenAt: now },
            update: { streamReplica: replica, streamSeenAt: now },
          });
        }
      }
    },

    async markStreamClosed(instanceId, replica) {
      await db.configStatus.updateMany({ where: { instanceId, streamReplica: replica }, data: { streamSeenAt: null } });
    },

    async openStreams(seenSince) {
      const rows = await db.configStatus.findMany({
        where: { streamSeenAt: { gte: seenSince }, streamReplica: { not: null } },
        select: { instanceId: true, streamReplica: true, streamSeenAt: true },
        orderBy: { instanceId: "asc" },
      });
      return rows.flatMap((r) => (r.streamReplica !== null && r.streamSeenAt !== null ? [{ instanceId: r.instanceId, replica: r.streamReplica, seenAt: r.streamSeenAt }] : []));
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
