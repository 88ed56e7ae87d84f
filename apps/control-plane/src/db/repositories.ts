// The contract between the control plane's services and its storage. Only `db/` knows Prisma; every
// service takes these interfaces, so one contract test suite runs against SQLite and PostgreSQL alike.
import type { CaRepository } from "./ca-repository";
import type { EndpointStateRepository } from "./endpoint-state-repository";
import type { GraphReadRepository } from "./graph-read-repository";
import type { AckRequest, Labels, Outcome, PolicySpec, ResponseClass } from "@trellis/mesh-model";
import type { RollupCell } from "./rollup-cells";

export interface InstanceRecord {
  instanceId: string;
  service: string;
  version: string;
  host: string;
  inboundPort: number;
  labels: Labels;
  registeredAt: Date;
  lastHeartbeatAt: Date;
  leaseExpiresAt: Date;
  /** Set when the sidecar deregistered itself; such instances are never endpoints again. */
  deregisteredAt: Date | null;
}

export interface RegisterInput {
  instanceId: string;
  service: string;
  version: string;
  host: string;
  inboundPort: number;
  labels: Labels;
  now: Date;
  leaseExpiresAt: Date;
}

export interface RegistryRepository {
  /** Creates or refreshes an instance (and its service and version rows). */
  register(input: RegisterInput): Promise<InstanceRecord>;
  /** Extends a lease. Returns false when the instance is unknown or deregistered (it must register again). */
  renew(instanceId: string, now: Date, leaseExpiresAt: Date): Promise<boolean>;
  deregister(instanceId: string, now: Date): Promise<boolean>;
  get(instanceId: string): Promise<InstanceRecord | null>;
  /** All instances ever registered and not deleted, newest first within a service. */
  listInstances(): Promise<InstanceRecord[]>;
  /** Instances whose lease is still valid at `now` and that have not deregistered. */
  listLiveInstances(now: Date): Promise<InstanceRecord[]>;
  /** Known services with their known versions (from registrations and from telemetry). */
  listServices(): Promise<{ name: string; versions: string[] }[]>;
  /** Records a service (and version) seen only in telemetry, e.g. the caller "external". */
  ensureService(name: string, version?: string): Promise<void>;
}

export interface MeshRevisionRepository {
  current(): Promise<number>;
  /** Atomically increments the mesh-wide config revision and returns the new value. */
  bump(reason: string): Promise<number>;
}

export interface PolicyRevisionRecord {
  service: string;
  /** The mesh revision this policy change produced. */
  revision: number;
  spec: PolicySpec;
  author: string;
  message: string;
  createdAt: Date;
}

/** What an operator did to the configuration; every policy revision is written with one audit entry. */
export const AUDIT_ACTIONS = ["policy.update", "policy.reset", "policy.rollback"] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface PolicySaveInput {
  service: string;
  spec: PolicySpec;
  author: string;
  message: string;
  now: Date;
  /** Recorded in the audit log, in the same transaction; "policy.update" when absent. */
  action?: AuditAction;
}

export interface PolicyRepository {
  /** The latest spec of every service that has one. */
  currentSpecs(): Promise<Map<string, PolicySpec>>;
  /** The latest revision of every service that has one, by service name. */
  current(): Promise<PolicyRevisionRecord[]>;
  /**
   * Stores an immutable new revision of a service's policy and its audit entry; bumps the mesh
   * revision in the same transaction.
   */
  save(input: PolicySaveInput): Promise<PolicyRevisionRecord>;
  /** Every revision of a service's policy, newest first. */
  history(service: string): Promise<PolicyRevisionRecord[]>;
  /** One revision of a service's policy, or null. */
  get(service: string, revision: number): Promise<PolicyRevisionRecord | null>;
}

export interface AuditRecord {
  id: number;
  at: Date;
  actor: string;
  action: AuditAction;
  service: string;
  /** The mesh revision the action produced. */
  revision: number;
  message: string;
}

export interface AuditRepository {
  /** Newest first (by time, then by insertion), at most `limit`. */
  list(limit: number): Promise<AuditRecord[]>;
}

export interface ConfigStatusRecord {
  instanceId: string;
  sentRevision: number | null;
  sentAt: Date | null;
  ackedRevision: number | null;
  /** The latest answer: the revision it was about, whether it was accepted, and the error of a NACK. */
  lastAnswerRevision: number | null;
  lastAnswerAccepted: boolean | null;
  lastError: string | null;
  lastAnswerAt: Date | null;
}

export interface ConfigStatusRepository {
  recordSent(instanceId: string, revision: number, now: Date): Promise<void>;
  recordAnswer(instanceId: string, answer: AckRequest, now: Date): Promise<void>;
  list(): Promise<ConfigStatusRecord[]>;
  /** `replica` holds these sidecars' config streams as of `now` (creates their rows when needed). */
  markStreamsOpen(instanceIds: ReadonlyArray<string>, replica: string, now: Date): Promise<void>;
  /** `replica`'s stream to the sidecar closed; a stream another replica holds since is left alone. */
  markStreamClosed(instanceId: string, replica: string): Promise<void>;
  /** Streams some replica reported open at or after `seenSince`. */
  openStreams(seenSince: Date): Promise<{ instanceId: string; replica: string; seenAt: Date }[]>;
}

/** Rollup resolutions, in seconds. */
export type Resolution = 10 | 60;

/** One aggregated cell: all requests of one edge and label set within one time bucket. */
export interface RollupRow {
  resolution: Resolution;
  bucketStart: Date;
  source: string;
  destination: string;
  destinationVersion: string;
  responseClass: ResponseClass;
  outcome: Outcome;
  mtls: boolean;
  count: number;
  durationSumMs: number;
  /** Counts per LATENCY_BOUNDS_MS bucket, plus one overflow bucket: length LATENCY_BOUNDS_MS.length + 1. */
  buckets: number[];
}

/** A rollup aggregated over a time window, for one label set. */
export type RollupAggregate = Omit<RollupRow, "resolution" | "bucketStart">;

/** The labels that make a rollup series (what the cardinality cap counts). */
export type SeriesLabels = Pick<RollupRow, "source" | "destination" | "destinationVersion" | "responseClass" | "outcome" | "mtls">;

export interface RollupRepository {
  /** Adds the rows to what is stored (same key: counts, sums and buckets are summed), durably, in one write. */
  add(rows: ReadonlyArray<RollupRow>): Promise<void>;
  /** As add, for cells that go to a 10 s and/or a 60 s bucket at once (ingest's form); see rollup-cells.ts. */
  addCells(cells: ReadonlyArray<RollupCell>): Promise<void>;
  /**
   * As addCells for the cells of several OTLP exports at once. An export with a digest is written only
   * if no export with that digest was written before (or earlier in the list): its digest is remembered
   * in the same transaction as the cells. Returns, per export, whether it was written (false: a repeat).
   */
  addExports(exports: ReadonlyArray<{ digest?: string; cells: ReadonlyArray<RollupCell> }>, at: Date): Promise<boolean[]>;
  /** Forgets the export digests written before the cutoff; returns how many. */
  forgetDigests(before: Date): Promise<number>;
  /**
   * Deletes the series ids not looked up since the cutoff (a writer looks each id it uses up again at
   * least every SERIES_ID_REFRESH_MS); returns how many.
   */
  pruneSeries(notUsedSince: Date): Promise<number>;
  /** Moves written-ahead cells into the rollup table (reads do it first themselves). */
  foldPending(): Promise<void>;
  /** Sums every row of a resolution with bucketStart in [from, to), grouped by label set. */
  aggregate(resolution: Resolution, from: Date, to: Date): Promise<RollupAggregate[]>;
  /** Deletes rows of a resolution older than the cutoff; returns how many. */
  deleteBefore(resolution: Resolution, cutoff: Date): Promise<number>;
  /** The earliest bucketStart of a resolution still stored, or null: where the data's coverage begins. */
  earliestBucket(resolution: Resolution): Promise<Date | null>;
  /** The distinct series with a 60 s bucket at or after `since`. */
  recentSeries(since: Date): Promise<SeriesLabels[]>;
}

export interface EdgeRecord {
  source: string;
  destination: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

export interface EdgeRepository {
  /** Upserts the edges seen in one ingest batch (first/last seen). */
  touch(edges: ReadonlyArray<{ source: string; destination: string }>, now: Date): Promise<void>;
  list(): Promise<EdgeRecord[]>;
}

export interface UserRecord {
  id: string;
  username: string;
  passwordHash: string;
  role: "viewer" | "editor" | "admin";
  createdAt: Date;
}

export interface UserRepository {
  create(input: { username: string; passwordHash: string; role: UserRecord["role"]; now: Date }): Promise<UserRecord>;
  findByUsername(username: string): Promise<UserRecord | null>;
  count(): Promise<number>;
  list(): Promise<UserRecord[]>;
  /** False when there is no such user. */
  setPasswordHash(username: string, passwordHash: string): Promise<boolean>;
  /** False when there is no such user; the user's sessions go with it. */
  delete(username: string): Promise<boolean>;
}

export interface SessionRecord {
  /** SHA-256 (hex) of the session id; the id itself is only ever in the operator's cookie. */
  idHash: string;
  createdAt: Date;
  expiresAt: Date;
  user: UserRecord;
}

export interface SessionRepository {
  create(input: { idHash: string; userId: string; now: Date; expiresAt: Date }): Promise<void>;
  /** The session with its user, or null when unknown or expired at `now`. */
  find(idHash: string, now: Date): Promise<SessionRecord | null>;
  delete(idHash: string): Promise<void>;
  /** Ends every session of a user (after a password change), except `keep` when given. */
  deleteForUser(userId: string, keep?: string): Promise<number>;
  deleteExpired(now: Date): Promise<number>;
}

export interface ApiTokenRecord {
  id: string;
  name: string;
  tokenHash: string;
  role: UserRecord["role"];
  createdBy: string;
  createdAt: Date;
}

export interface ApiTokenRepository {
  create(input: { name: string; tokenHash: string; role: UserRecord["role"]; createdBy: string; now: Date }): Promise<ApiTokenRecord>;
  findByHash(tokenHash: string): Promise<ApiTokenRecord | null>;
  list(): Promise<ApiTokenRecord[]>;
  /** False when there is no such token. */
  delete(name: string): Promise<boolean>;
}

export interface Repositories {
  registry: RegistryRepository;
  revisions: MeshRevisionRepository;
  policies: PolicyRepository;
  audit: AuditRepository;
  configStatus: ConfigStatusRepository;
  rollups: RollupRepository;
  edges: EdgeRepository;
  users: UserRepository;
  sessions: SessionRepository;
  apiTokens: ApiTokenRepository;
}

export interface Database extends Repositories {
  /** The certificate authority's roots and join tokens. */
  readonly ca: CaRepository;
  /** Breaker state per destination endpoint as the calling sidecars report it. */
  readonly endpointStates: EndpointStateRepository;
  /** The graph's per-edge sums over a window. */
  readonly graphReads: GraphReadRepository;
  /** "sqlite" or "postgresql", chosen from DATABASE_URL. */
  readonly provider: "sqlite" | "postgresql";
  close(): Promise<void>;
}
