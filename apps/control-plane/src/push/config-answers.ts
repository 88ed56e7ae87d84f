// ACK/NACK from sidecars: recorded for the sync state; a NACK is also logged, since it means a bundle
// that passed our validation failed the sidecar's.
import type { AckRequest } from "@trellis/mesh-model";
import type { Repositories } from "../db/repositories";
import type { Logger } from "../log";

export async function recordConfigAnswer(
  deps: { db: Pick<Repositories, "configStatus">; now: () => Date; log: Logger },
  instanceId: string,
  answer: AckRequest,
): Promise<void> {
  await deps.db.configStatus.recordAnswer(instanceId, answer, deps.now());
  if (answer.accepted) deps.log.debug("config_acked", { instanceId, revision: answer.revision });
  else deps.log.warn("config_rejected", { instanceId, revision: answer.revision, error: answer.error ?? null });
}
