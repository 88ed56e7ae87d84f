// adapter-pg as the schema engine needs it: it must read the catalog's "char" columns, and `migrate dev`
// needs a shadow database that is really separate from the main one and can be dropped afterwards.
import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg, { type ClientConfig, type PoolConfig } from "pg";
import { poolConfig } from "../postgresql-adapter";

const CHAR_OID = 18;
const TEXT_OID = 25;

/**
 * adapter-pg rejects PostgreSQL's internal one-byte `"char"` type, which the engine meets when it
 * describes a schema (pg_constraint.contype and friends). Its values arrive as text anyway, so the
 * column is announced as text before pg and the adapter look at it.
 */
class CharAsTextClient extends pg.Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    this.connection.prependListener("rowDescription", (message: { fields?: { dataTypeID: number }[] }) => {
      for (const field of message.fields ?? []) if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
    });
  }
}

function migrationPoolConfig(url: string, database?: string): PoolConfig {
  const config: PoolConfig = { ...poolConfig(url), Client: CharAsTextClient };
  return database === undefined ? config : { ...config, database };
}

/**
 * adapter-pg's own shadow database is dropped before its pool is closed, so the DROP always fails
 * ("being accessed by other users"); here the pool closes first and the drop is forced.
 */
export function postgresqlMigrationAdapterFactory(url: string): SqlMigrationAwareDriverAdapterFactory {
  const main = new PrismaPg(migrationPoolConfig(url));
  return {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: () => main.connect(),
    async connectToShadowDb(): Promise<SqlDriverAdapter> {
      const admin = await main.connect();
      const database = `prisma_migrate_shadow_db_${randomUUID().replaceAll("-", "")}`;
      await admin.executeScript(`CREATE DATABASE "${database}"`);
      const shadow = await new PrismaPg(migrationPoolConfig(url, database)).connect();
      const disposeShadow = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        try {
          await disposeShadow();
          await admin.executeScript(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
        } finally {
          await admin.dispose();
        }
      };
      return shadow;
    },
  };
}
