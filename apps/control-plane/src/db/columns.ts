// Reading columns back: JSON text columns and SQL aggregates are parsed with zod, never cast.
import { z } from "zod";

export function parseJsonColumn<T>(schema: z.ZodType<T>, text: string): T {
  return schema.parse(JSON.parse(text));
}

/** SUM() of an integer column is a JS number on SQLite and a bigint on PostgreSQL (int8). */
export const ZSqlNumber = z.union([z.number(), z.bigint().transform(Number)]);
