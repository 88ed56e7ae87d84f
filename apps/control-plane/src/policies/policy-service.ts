// Policies per service as immutable revisions: validated on write against the registry, saved with
// their audit entry, pushed through the hub; history, diffs, rollback and a dry-run preview.
import {
  diffJson,
  flattenZodIssues,
  validatePolicy,
  ZPolicySpec,
  type AuditResponse,
  type CurrentPolicyResponse,
  type FieldIssue,
  type PoliciesResponse,
  type PolicyDiffResponse,
  type PolicyPreviewResponse,
  type PolicyRevision,
  type PolicyRevisionsResponse,
  type PolicySpec,
} from "@trellis/mesh-model";
import type { AuditAction, PolicyRevisionRecord, Repositories } from "../db/repositories";
import { InvalidPolicyError, InvalidRequestError, NotFoundError } from "../errors";
import type { Logger } from "../log";
import { readMeshSnapshot } from "../push/bundle-builder";
import { compiledView, reachOf, toAuditEntry, toRevision, toSummary } from "./policy-views";

export interface PolicyServiceOptions {
  db: Pick<Repositories, "policies" | "audit" | "registry" | "revisions">;
  now: () => Date;
  log: Logger;
  /** Called after every saved revision, so the push side compiles and sends the affected bundles. */
  onChanged: () => void;
}

/** Who made a change and why. */
export interface ChangeMeta {
  actor: string;
  message?: string;
}

export class PolicyService {
  constructor(private readonly options: PolicyServiceOptions) {}

  async list(): Promise<PoliciesResponse> {
    return { policies: (await this.options.db.policies.current()).map(toRevision) };
  }

  async current(service: string): Promise<CurrentPolicyResponse> {
    const [latest] = await this.options.db.policies.history(service);
    return { service, spec: latest?.spec ?? { service }, current: latest ? toSummary(latest) : null };
  }

  /** A new revision with `spec` (already schema-valid, from the body's "spec"). */
  async put(service: string, spec: PolicySpec, meta: Required<ChangeMeta>): Promise<PolicyRevision> {
    if (spec.service !== service) {
      throw new InvalidRequestError("body", `invalid body: spec.service is "${spec.service}" but the path names "${service}"`, "spec.service");
    }
    const issues = await this.issuesOf(spec);
    if (issues.length > 0) throw new InvalidPolicyError(issues, "spec");
    return this.save(service, spec, meta.actor, meta.message, "policy.update");
  }

  /** Back to all defaults, as a new revision (the history stays). */
  async reset(service: string, meta: ChangeMeta): Promise<PolicyRevision> {
    await this.latestOrThrow(service);
    return this.save(service, { service }, meta.actor, meta.message ?? "reset to defaults", "policy.reset");
  }

  /** A new revision whose spec is that of `revision`; checked against today's registry like any write. */
  async rollback(service: string, revision: number, meta: ChangeMeta): Promise<PolicyRevision> {
    const target = await this.revisionOrThrow(service, revision);
    const issues = await this.issuesOf(target.spec);
    if (issues.length > 0) throw new InvalidPolicyError(issues, null);
    return this.save(service, target.spec, meta.actor, meta.message ?? `rollback to revision ${revision}`, "policy.rollback");
  }

  async revisions(service: string): Promise<PolicyRevisionsResponse> {
    return { service, revisions: (await this.options.db.policies.history(service)).map(toSummary) };
  }

  async revision(service: string, revision: number): Promise<PolicyRevision> {
    return toRevision(await this.revisionOrThrow(service, revision));
  }

  async diff(service: string, from: number, to: number): Promise<PolicyDiffResponse> {
    const [a, b, snapshot] = await Promise.all([this.revisionOrThrow(service, from), this.revisionOrThrow(service, to), this.snapshot()]);
    return {
      service,
      from: toSummary(a),
      to: toSummary(b),
      spec: diffJson(a.spec, b.spec),
      compiled: diffJson(compiledView(service, a.spec, snapshot), compiledView(service, b.spec, snapshot)),
    };
  }

  /** What saving `input` would do, without saving: validation, the compiled result, the sidecars reached. */
  async preview(service: string, input: unknown): Promise<PolicyPreviewResponse> {
    const parsed = ZPolicySpec.safeParse(input);
    if (!parsed.success) {
      return { service, valid: false, issues: flattenZodIssues(parsed.error.issues), compiled: null, localHealthCheck: null, changes: [], reaches: [] };
    }
    const spec = parsed.data;
    const issues: FieldIssue[] =
      spec.service === service ? await this.issuesOf(spec) : [{ path: "service", code: "service_mismatch", message: `the spec is for "${spec.service}" but the path names "${service}"` }];
    const snapshot = await this.snapshot();
    const compiled = compiledView(service, spec, snapshot);
    return {
      service,
      valid: issues.length === 0,
      issues,
      compiled,
      localHealthCheck: compiled.healthCheck,
      changes: diffJson(compiledView(service, snapshot.specs.get(service), snapshot), compiled),
      reaches: spec.service === service ? reachOf(snapshot, service, spec) : [],
    };
  }

  async audit(limit: number): Promise<AuditResponse> {
    return { entries: (await this.options.db.audit.list(limit)).map(toAuditEntry) };
  }

  private async issuesOf(spec: PolicySpec): Promise<FieldIssue[]> {
    return validatePolicy(spec, { services: await this.options.db.registry.listServices() });
  }

  private snapshot() {
    return readMeshSnapshot(this.options.db, this.options.now());
  }

  private async save(service: string, spec: PolicySpec, actor: string, message: string, action: AuditAction): Promise<PolicyRevision> {
    const saved = await this.options.db.policies.save({ service, spec, author: actor, message, now: this.options.now(), action });
    this.options.log.info("policy_saved", { service, revision: saved.revision, action, actor });
    this.options.onChanged();
    return toRevision(saved);
  }

  private async latestOrThrow(service: string): Promise<PolicyRevisionRecord> {
    const [latest] = await this.options.db.policies.history(service);
    if (!latest) throw new NotFoundError(`service "${service}" has no policy (it runs on defaults)`);
    return latest;
  }

  private async revisionOrThrow(service: string, revision: number): Promise<PolicyRevisionRecord> {
    const found = await this.options.db.policies.get(service, revision);
    if (!found) throw new NotFoundError(`service "${service}" has no policy revision ${revision}`);
    return found;
  }
}
