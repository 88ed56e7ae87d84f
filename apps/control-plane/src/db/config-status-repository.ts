// Per sidecar: the config revision last sent, its last ACK or NACK, and which replica holds its config stream.
import type { AckRequest } from "@trellis/mesh-model";
import { groupCommit } from "./group-writes";
import { Prisma, type DbClient } from "./prisma-client";
import type { ConfigStatusRecord, ConfigStatusRepository } from "./repositories";

const STREAM_CHUNK = 500;

interface SentWrite {
  instanceId: string;
  revision: number;
  now: Date;
}

interface AnswerWrite {
  instanceId: string;
  answer: AckRequest;
  now: Date;
}

/** The last write per sidecar, in call order (a batch must not upsert one row twice). */
function lastPerInstance<T extends { instanceId: string }>(items: T[]): Map<string, T[]> {
  const byId = new Map<string, T[]>();
  for (const item of items) byId.set(item.instanceId, [...(byId.get(item.instanceId) ?? []), item]);
  return byId;
}

export function configStatusRepository(db: DbClient): ConfigStatusRepository {
  // Every bundle sent and every ACK is one row write; a change reaching a thousand sidecars is a
  // thousand of each within milliseconds. Calls made while a write is in flight are coalesced into
  // the next multi-row upsert (one statement per chunk); each caller resolves once its row committed.
  const writeSent = groupCommit<SentWrite>(async (items) => {
    const rows = [...lastPerInstance(items).values()].map((writes) => writes[writes.length - 1]!);
    for (let i = 0; i < rows.length; i += STREAM_CHUNK) {
      const values = rows.slice(i, i + STREAM_CHUNK).map((r) => Prisma.sql`(${r.instanceId}, ${r.revision}, ${r.now})`);
      await db.$executeRaw`INSERT INTO "ConfigStatus" ("instanceId", "sentRevision", "sentAt") VALUES ${Prisma.join(values)}
        ON CONFLICT ("instanceId") DO UPDATE SET "sentRevision" = excluded."sentRevision", "sentAt" = excluded."sentAt"`;
    }
  });
  const writeAnswer = groupCommit<AnswerWrite>(async (items) => {
    const rows = [...lastPerInstance(items).values()].map((writes) => {
      const last = writes[writes.length - 1]!;
      // A NACK leaves the acked revision alone: the sidecar keeps running the last one it accepted.
      const acked = writes.filter((w) => w.answer.accepted).at(-1)?.answer.revision ?? null;
      return { ...last, acked };
    });
    for (let i = 0; i < rows.length; i += STREAM_CHUNK) {
      const values = rows
        .slice(i, i + STREAM_CHUNK)
        .map(
          (r) =>
            Prisma.sql`(${r.instanceId}, ${r.acked}, ${r.answer.revision}, ${r.answer.accepted}, ${r.answer.accepted ? null : (r.answer.error ?? null)}, ${r.now})`,
        );
      await db.$executeRaw`INSERT INTO "ConfigStatus" ("instanceId", "ackedRevision", "lastAnswerRevision", "lastAnswerAccepted", "lastError", "lastAnswerAt")
        VALUES ${Prisma.join(values)}
        ON CONFLICT ("instanceId") DO UPDATE SET
          "ackedRevision" = COALESCE(excluded."ackedRevision", "ConfigStatus"."ackedRevision"),
          "lastAnswerRevision" = excluded."lastAnswerRevision", "lastAnswerAccepted" = excluded."lastAnswerAccepted",
          "lastError" = excluded."lastError", "lastAnswerAt" = excluded."lastAnswerAt"`;
    }
  });

  // Streams closing come in crowds too (a control plane stopping, a network partition).
  const writeClosed = groupCommit<{ instanceId: string; replica: string }>(async (items) => {
    const byReplica = new Map<string, Set<string>>();
    for (const { instanceId, replica } of items) byReplica.set(replica, (byReplica.get(replica) ?? new Set()).add(instanceId));
    for (const [replica, ids] of byReplica) {
      const list = [...ids];
      for (let i = 0; i < list.length; i += STREAM_CHUNK) {
        const chunk = list.slice(i, i + STREAM_CHUNK);
        await db.$executeRaw`UPDATE "ConfigStatus" SET "streamSeenAt" = NULL WHERE "streamReplica" = ${replica} AND "instanceId" IN (${Prisma.join(chunk)})`;
      }
    }
  });

  return {
    recordSent: (instanceId, revision, now) => writeSent({ instanceId, revision, now }),

    recordAnswer: (instanceId, answer, now) => writeAnswer({ instanceId, answer, now }),

    async markStreamsOpen(instanceIds, replica, now) {
      // One multi-row upsert per chunk: a thousand streams opened (or refreshed) are two statements.
      const unique = [...new Set(instanceIds)];
      for (let i = 0; i < unique.length; i += STREAM_CHUNK) {
        const values = unique.slice(i, i + STREAM_CHUNK).map((id) => Prisma.sql`(${id}, ${replica}, ${now})`);
        await db.$executeRaw`INSERT INTO "ConfigStatus" ("instanceId", "streamReplica", "streamSeenAt") VALUES ${Prisma.join(values)}
          ON CONFLICT ("instanceId") DO UPDATE SET "streamReplica" = excluded."streamReplica", "streamSeenAt" = excluded."streamSeenAt"`;
      }
    },

    markStreamClosed: (instanceId, replica) => writeClosed({ instanceId, replica }),

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
