// The one contract test suite of the storage layer: sqlite.test.ts and postgresql.test.ts run it
// against a real database each, so both providers are held to the same behaviour.
import { describe } from "node:test";
import { useSharedDatabase, type ContractFixture } from "./contract/fixture";
import { migrationContract } from "./contract/migrations.contract";
import { registryContract } from "./contract/registry.contract";
import { revisionAndPolicyContract } from "./contract/revisions-and-policies.contract";
import { statusAndUserContract } from "./contract/status-and-users.contract";
import { telemetryContract } from "./contract/telemetry.contract";

export type { ContractFixture };

export function repositoryContract(fixture: ContractFixture): void {
  const options = { timeout: 60_000 };
  describe("openDatabase and migrations", options, () => migrationContract(fixture));
  describe("repositories", options, () => {
    const ctx = useSharedDatabase(fixture);
    describe("registry", () => registryContract(ctx));
    revisionAndPolicyContract(ctx);
    telemetryContract(ctx);
    statusAndUserContract(ctx);
  });
}
