// The storage contract against PostgreSQL 15: one throwaway server for the file, a new database per test.
import { after, before, describe } from "node:test";
import { startPostgres, type TestPostgres } from "../../../../test/support/postgres";
import { repositoryContract } from "./repositories.contract";

describe("storage contract: PostgreSQL", { timeout: 240_000 }, () => {
  let server: TestPostgres;
  let n = 0;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });
  repositoryContract({ provider: "postgresql", emptyDatabaseUrl: () => server.createDatabase(`contract_${++n}`) });
});
