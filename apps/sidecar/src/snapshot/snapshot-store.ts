// Holds the current snapshot and decides whether a pushed bundle replaces it. The swap is one
// assignment, so readers see either the old or the new configuration, never a mix. Anything wrong
// with a bundle rejects it with a message for the NACK; the last good snapshot stays.
import { BUNDLE_SCHEMA_VERSION, issuePath, ZBundle, type Bundle } from "@trellis/mesh-model";
import type { Logger } from "../log";
import type { DestinationOptions } from "../routing/route-table";
import { buildSnapshot, InvalidBundleError, type Snapshot, type SnapshotSource } from "./snapshot";

export type ApplyResult =
  | { status: "applied"; revision: number; snapshot: Snapshot }
  /** Same revision as the current one (a reconnect re-sends it): acknowledged, not rebuilt. */
  | { status: "unchanged"; revision: number }
  /** `revision` is whatever the bundle claimed, when it claimed a usable one. */
  | { status: "rejected"; revision: number | undefined; error: string };

export interface ApplyOptions {
  source: SnapshotSource;
  /**
   * Accept a revision lower than the current one. True for the first bundle of a new control-plane
   * session: a control plane restored or reset starts counting again, and refusing it forever would
   * strand the sidecar on stale config. Within a session revisions must not go back.
   */
  allowRegression: boolean;
}

const MAX_ERROR = 4096;

export class SnapshotStore {
  private snapshot: Snapshot | undefined;
  private readonly listeners: Array<(snapshot: Snapshot) => void> = [];

  constructor(
    private readonly identity: { service: string; version: string },
    private readonly log: Logger,
    private readonly destinationOptions: DestinationOptions = {},
  ) {}

  get current(): Snapshot | undefined {
    return this.snapshot;
  }

  /** Called with each applied snapshot (health checks follow the endpoints this way). */
  onApplied(listener: (snapshot: Snapshot) => void): void {
    this.listeners.push(listener);
  }

  apply(raw: unknown, options: ApplyOptions): ApplyResult {
    const result = this.evaluate(raw, options);
    if (result.status === "applied") {
      this.snapshot = result.snapshot;
      this.log.info("config_applied", {
        revision: result.revision,
        source: options.source,
        destinations: result.snapshot.destinations.size,
        ...balancerFallbacks(result.snapshot),
      });
      for (const listener of this.listeners) listener(result.snapshot);
    } else if (result.status === "rejected") {
      this.log.warn("config_rejected", { revision: result.revision, source: options.source, error: result.error, keptRevision: this.snapshot?.revision ?? null });
    }
    return result;
  }

  private evaluate(raw: unknown, { source, allowRegression }: ApplyOptions): ApplyResult {
    const claimed = claimedRevision(raw);
    const reject = (error: string): ApplyResult => ({ status: "rejected", revision: claimed, error: error.slice(0, MAX_ERROR) });
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return reject("bundle must be a JSON object");
    if ("schemaVersion" in raw && raw.schemaVersion !== BUNDLE_SCHEMA_VERSION) {
      return reject(`schemaVersion: ${JSON.stringify(raw.schemaVersion)} is not supported; this sidecar understands ${BUNDLE_SCHEMA_VERSION}`);
    }
    const parsed = ZBundle.safeParse(raw);
    if (!parsed.success) {
      return reject(parsed.error.issues.map((i) => `${issuePath(i.path) || "(root)"}: ${i.message}`).join("; "));
    }
    const bundle: Bundle = parsed.data;
    const me = this.identity;
    if (bundle.sidecar.service !== me.service || bundle.sidecar.version !== me.version) {
      return reject(`sidecar: bundle is for ${bundle.sidecar.service}@${bundle.sidecar.version}, this sidecar is ${me.service}@${me.version}`);
    }
    const current = this.snapshot?.revision;
    if (current !== undefined && bundle.revision === current) return { status: "unchanged", revision: current };
    if (current !== undefined && bundle.revision < current) {
      if (!allowRegression) return reject(`revision: ${bundle.revision} is older than the applied revision ${current}`);
      this.log.warn("config_revision_regressed", { revision: bundle.revision, previous: current, source });
    }
    try {
      return { status: "applied", revision: bundle.revision, snapshot: buildSnapshot(bundle, source, this.destinationOptions) };
    } catch (err) {
      if (err instanceof InvalidBundleError) return reject(err.message);
      throw err;
    }
  }
}

function claimedRevision(raw: unknown): number | undefined {
  if (typeof raw !== "object" || raw === null || !("revision" in raw)) return undefined;
  const r = raw.revision;
  return typeof r === "number" && Number.isInteger(r) && r >= 0 ? r : undefined;
}

/** Destinations whose configured balancer is not implemented yet, so the operator sees what is in use. */
function balancerFallbacks(snapshot: Snapshot): { balancerFallbacks?: Record<string, string> } {
  const out: Record<string, string> = {};
  for (const d of snapshot.destinations.values()) {
    if (d.balancerType.configured !== d.balancerType.effective) out[d.name] = `${d.balancerType.configured} -> ${d.balancerType.effective}`;
  }
  return Object.keys(out).length ? { balancerFallbacks: out } : {};
}
