// The policy API (console and operators): current specs, immutable revisions with author and message,
// diffs between revisions, rollback, a dry-run preview, and the audit log of every change.
import { z } from "zod";
import { ZInstanceId, ZServiceName } from "../identity";
import { ZCompiledHealthCheck, ZCompiledService } from "../policy/bundle";
import { ZPolicySpec } from "../policy/spec";

const base = (service: string) => `/api/v1/policies/${encodeURIComponent(service)}`;

export const POLICY_API = {
  policies: "/api/v1/policies",
  /** GET the current spec, PUT a new one, DELETE (back to defaults, as a new revision). */
  policy: base,
  revisions: (service: string) => `${base(service)}/revisions`,
  revision: (service: string, revision: number) => `${base(service)}/revisions/${revision}`,
  /** GET with ?from=<revision>&to=<revision>. */
  diff: (service: string) => `${base(service)}/diff`,
  rollback: (service: string) => `${base(service)}/rollback`,
  /** POST a spec: what sidecars would get and which of them it would reach, without saving. */
  preview: (service: string) => `${base(service)}/preview`,
  /** GET with ?limit=<n>. */
  audit: "/api/v1/audit",
} as const;

const ZAuthor = z.string().min(1).max(128);
const ZMessage = z.string().max(1000);
const ZRevisionNumber = z.int().min(0);

export const ZPutPolicyRequest = z.strictObject({
  spec: ZPolicySpec,
  /** Why; shown in the history and the audit log. */
  message: ZMessage.min(1),
  /** Who; until operators log in, "anonymous" when absent. */
  author: ZAuthor.optional(),
});
export type PutPolicyRequest = z.infer<typeof ZPutPolicyRequest>;

/** DELETE's optional body. */
export const ZResetPolicyRequest = z.strictObject({ message: ZMessage.optional(), author: ZAuthor.optional() });
export type ResetPolicyRequest = z.infer<typeof ZResetPolicyRequest>;

export const ZRollbackRequest = z.strictObject({
  /** The revision (of this service's policy) whose spec becomes current again, as a new revision. */
  revision: ZRevisionNumber,
  message: ZMessage.optional(),
  author: ZAuthor.optional(),
});
export type RollbackRequest = z.infer<typeof ZRollbackRequest>;

export const ZPolicyRevisionSummary = z.strictObject({
  service: ZServiceName,
  /** The mesh revision this change produced. */
  revision: ZRevisionNumber,
  author: z.string(),
  message: z.string(),
  createdAt: z.iso.datetime(),
});
export type PolicyRevisionSummary = z.infer<typeof ZPolicyRevisionSummary>;

export const ZPolicyRevision = ZPolicyRevisionSummary.extend({ spec: ZPolicySpec });
export type PolicyRevision = z.infer<typeof ZPolicyRevision>;

export const ZPoliciesResponse = z.strictObject({ policies: z.array(ZPolicyRevision) });
export type PoliciesResponse = z.infer<typeof ZPoliciesResponse>;

export const ZCurrentPolicyResponse = z.strictObject({
  service: ZServiceName,
  /** The spec in force: the latest revision's, or `{ service }` (all defaults) when there is none. */
  spec: ZPolicySpec,
  /** The latest revision; null while the service has never had a policy. */
  current: ZPolicyRevisionSummary.nullable(),
});
export type CurrentPolicyResponse = z.infer<typeof ZCurrentPolicyResponse>;

export const ZPolicyRevisionsResponse = z.strictObject({ service: ZServiceName, revisions: z.array(ZPolicyRevisionSummary) });
export type PolicyRevisionsResponse = z.infer<typeof ZPolicyRevisionsResponse>;

/** One entry of mesh-model's diffJson. */
export const ZJsonDiffEntry = z.strictObject({
  path: z.string(),
  kind: z.enum(["added", "removed", "changed"]),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});

export const ZPolicyDiffQuery = z.strictObject({ from: z.coerce.number().pipe(ZRevisionNumber), to: z.coerce.number().pipe(ZRevisionNumber) });
export type PolicyDiffQuery = z.infer<typeof ZPolicyDiffQuery>;

export const ZPolicyDiffResponse = z.strictObject({
  service: ZServiceName,
  from: ZPolicyRevisionSummary,
  to: ZPolicyRevisionSummary,
  /** diffJson(from.spec, to.spec). */
  spec: z.array(ZJsonDiffEntry),
  /** diffJson of the service as compiled into callers' bundles (same endpoints on both sides), local health check included. */
  compiled: z.array(ZJsonDiffEntry),
});
export type PolicyDiffResponse = z.infer<typeof ZPolicyDiffResponse>;

/** A validation problem: the dotted path of the field, a stable code, a message. */
export const ZFieldIssue = z.strictObject({ path: z.string(), code: z.string(), message: z.string() });

export const ZPolicyPreviewResponse = z.strictObject({
  service: ZServiceName,
  /** True when the spec could be saved as it is. */
  valid: z.boolean(),
  issues: z.array(ZFieldIssue),
  /** The service as callers' sidecars would get it (with today's endpoints); null when the spec does not parse. */
  compiled: ZCompiledService.nullable(),
  /** The health check the service's own sidecars would run; null when the spec does not parse. */
  localHealthCheck: ZCompiledHealthCheck.nullable(),
  /** diffJson of the compiled service against the one in force. */
  changes: z.array(ZJsonDiffEntry),
  /** Live sidecars whose bundle this spec would change, i.e. that saving it would push to. */
  reaches: z.array(ZInstanceId),
});
export type PolicyPreviewResponse = z.infer<typeof ZPolicyPreviewResponse>;

export const ZAuditQuery = z.strictObject({ limit: z.coerce.number().pipe(z.int().min(1).max(1000)).default(100) });
export type AuditQuery = z.infer<typeof ZAuditQuery>;

export const ZAuditEntry = z.strictObject({
  id: z.int(),
  at: z.iso.datetime(),
  actor: z.string(),
  action: z.string(),
  service: ZServiceName,
  /** The mesh revision the action produced. */
  revision: ZRevisionNumber,
  message: z.string(),
});
export type AuditEntry = z.infer<typeof ZAuditEntry>;

export const ZAuditResponse = z.strictObject({ entries: z.array(ZAuditEntry) });
export type AuditResponse = z.infer<typeof ZAuditResponse>;
