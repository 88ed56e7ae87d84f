// The SQL of the rollup hot path. A batch travels as ONE JSON parameter that the database unpacks
// (json_each / json_array_elements): Prisma spends ~17 µs on each bound parameter, and a rollup row has
// 24 (400 rows: 160 ms as bound parameters, 18 ms as one JSON parameter, measured on SQLite).
import { LATENCY_BOUNDS_MS } from "@trellis/mesh-model";
import type { Database, RollupRow } from "./repositories";

export const BUCKET_COLUMNS = Array.from({ length: LATENCY_BOUNDS_MS.length + 1 }, (_, i) => `b${i}`);
const KEY_COLUMNS = ["resolution", "bucketStart", "source", "destination", "destinationVersion", "responseClass", "outcome", "mtls"];
export const LABEL_COLUMNS = KEY_COLUMNS.slice(2);
export const SUMMED_COLUMNS = ["count", "durationSumMs", ...BUCKET_COLUMNS];
const COLUMNS = [...KEY_COLUMNS, ...SUMMED_COLUMNS];

export const quote = (columns: string[]) => columns.map((column) => `"${column}"`).join(", ");

/** PostgreSQL needs each JSON text value cast to its column type; SQLite's column affinity does that. */
const POSTGRESQL_TYPES: Record<string, string> = { resolution: "int", bucketStart: "timestamp(3)", mtls: "boolean", count: "int", durationSumMs: "float8" };
for (const column of BUCKET_COLUMNS) POSTGRESQL_TYPES[column] = "int";

/** INSERT ... SELECT FROM the JSON array of rows ... ON CONFLICT DO UPDATE SET sum = sum + excluded.sum. */
export function upsertRollupsSql(provider: Database["provider"]): string {
  const head = `INSERT INTO "Rollup" (${quote(COLUMNS)}) `;
  const select =
    provider === "sqlite"
      ? // `WHERE true` resolves SQLite's parsing ambiguity between a join's ON and the upsert's ON CONFLICT.
        `SELECT ${COLUMNS.map((_, i) => `value ->> ${i}`).join(", ")} FROM json_each(?) WHERE true`
      : `SELECT ${COLUMNS.map((c, i) => (POSTGRESQL_TYPES[c] ? `(value ->> ${i})::${POSTGRESQL_TYPES[c]}` : `value ->> ${i}`)).join(", ")} FROM json_array_elements($1::json) AS rows(value)`;
  const merge = SUMMED_COLUMNS.map((c) => `"${c}" = "Rollup"."${c}" + excluded."${c}"`).join(", ");
  return `${head}${select} ON CONFLICT (${quote(KEY_COLUMNS)}) DO UPDATE SET ${merge}`;
}

/** The rows as the JSON parameter of upsertRollupsSql, one array per row in COLUMNS order. */
export function rollupsJson(rows: ReadonlyArray<RollupRow>): string {
  return JSON.stringify(
    rows.map((row) => [
      row.resolution,
      // Exactly how the libsql adapter writes a DateTime (text compared as text against bound Dates);
      // PostgreSQL's timestamp(3) reads the same string as UTC.
      row.bucketStart.toISOString().replace("Z", "+00:00"),
      row.source,
      row.destination,
      row.destinationVersion,
      row.responseClass,
      row.outcome,
      row.mtls,
      row.count,
      row.durationSumMs,
      ...row.buckets,
    ]),
  );
}

/** The rows of a JSON array parameter: SQLite's json_each, PostgreSQL's json_array_elements. */
function jsonRows(provider: Database["provider"]): string {
  return provider === "sqlite" ? "json_each(?)" : "json_array_elements($1::json) AS rows(value)";
}

/**
 * Ensures a RollupSeries row for each label set (a JSON array of [source, destination, version, class,
 * outcome, mtls]), stamps its usedAt, and returns every one's id with its labels (the update makes
 * RETURNING give the rows that existed too; callers send each label set once). Parameters: seriesArgs.
 */
export function upsertSeriesSql(provider: Database["provider"]): string {
  const values = LABEL_COLUMNS.map((c, i) => (provider === "postgresql" && c === "mtls" ? `(value ->> ${i})::boolean` : `value ->> ${i}`)).join(", ");
  const usedAt = provider === "sqlite" ? "?" : "$2::timestamp(3)";
  return (
    `INSERT INTO "RollupSeries" (${quote(LABEL_COLUMNS)}, "usedAt") SELECT ${values}, ${usedAt} FROM ${jsonRows(provider)}${provider === "sqlite" ? " WHERE true" : ""} ` +
    `ON CONFLICT (${quote(LABEL_COLUMNS)}) DO UPDATE SET "usedAt" = excluded."usedAt" RETURNING "id", ${quote(LABEL_COLUMNS)}`
  );
}

/** A time as a text parameter: how the libsql adapter writes a DateTime; PostgreSQL's timestamp(3) reads it as UTC. */
export const sqlTime = (at: Date): string => at.toISOString().replace("Z", "+00:00");

/** The parameters of upsertSeriesSql / insertDigestsSql in their placeholders' order: SQLite numbers `?` by position. */
export function jsonAndTimeArgs(provider: Database["provider"], json: string, at: Date): [string, string] {
  return provider === "sqlite" ? [sqlTime(at), json] : [json, sqlTime(at)];
}

/** Deletes the series not looked up since the parameter (a time), returning their ids. */
export function pruneSeriesSql(provider: Database["provider"]): string {
  return `DELETE FROM "RollupSeries" WHERE "usedAt" < ${provider === "sqlite" ? "?" : "$1::timestamp(3)"} RETURNING "id"`;
}

/**
 * Remembers export digests (a JSON array of strings) stored at a time, returning those that were not
 * known yet: a digest that is missing from the answer belongs to an export stored before. Parameters: jsonAndTimeArgs.
 */
export function insertDigestsSql(provider: Database["provider"]): string {
  return provider === "sqlite"
    ? `INSERT INTO "ExportDigest" ("digest", "storedAt") SELECT value, ? FROM json_each(?) WHERE true ON CONFLICT DO NOTHING RETURNING "digest"`
    : `INSERT INTO "ExportDigest" ("digest", "storedAt") SELECT value, $2::timestamp(3) FROM json_array_elements_text($1::json) AS digests(value) ON CONFLICT DO NOTHING RETURNING "digest"`;
}

/** Forgets the export digests stored before the parameter (a time). */
export function deleteDigestsSql(provider: Database["provider"]): string {
  return `DELETE FROM "ExportDigest" WHERE "storedAt" < ${provider === "sqlite" ? "?" : "$1::timestamp(3)"}`;
}

/** The labels of the series whose ids are in the JSON array parameter. */
export function seriesByIdSql(provider: Database["provider"]): string {
  return provider === "sqlite"
    ? `SELECT "id", ${quote(LABEL_COLUMNS)} FROM "RollupSeries" WHERE "id" IN (SELECT value FROM json_each(?))`
    : `SELECT "id", ${quote(LABEL_COLUMNS)} FROM "RollupSeries" WHERE "id" IN (SELECT (value)::int FROM json_array_elements_text($1::json) AS ids(value))`;
}

/** One group commit's cells, written ahead. */
export function insertPendingSql(provider: Database["provider"]): string {
  return `INSERT INTO "RollupPending" ("cells") VALUES (${provider === "sqlite" ? "?" : "$1"})`;
}

/**
 * Takes the oldest pending payloads out, `limit` at most, returning them: run in the transaction that
 * adds them to the Rollup table, so a payload is folded exactly once (on PostgreSQL a concurrent fold
 * by another replica waits on the row locks, then finds the rows gone).
 */
export function takePendingSql(limit: number): string {
  return `DELETE FROM "RollupPending" WHERE "id" IN (SELECT "id" FROM "RollupPending" ORDER BY "id" LIMIT ${Math.trunc(limit)}) RETURNING "cells"`;
}
