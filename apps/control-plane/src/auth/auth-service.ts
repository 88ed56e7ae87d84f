// Operators and automation: the first admin, password logins that open sessions, API tokens, users
// with roles. Secrets are random 256-bit values stored only as SHA-256 hashes; passwords are scrypt.
import { type Principal, type Role } from "@trellis/mesh-model";
import type { ApiTokenRecord, Database, UserRecord } from "../db/index";
import { UniqueConstraintError } from "../db/index";
import { NotFoundError } from "../errors";
import type { Logger } from "../log";
import { ConflictError, ForbiddenError, RateLimitedError, UnauthorizedError } from "./auth-errors";
import { LoginLimiter, type LoginLimits } from "./login-limiter";
import { dummyHash, generatePassword, hashPassword, verifyPassword } from "./passwords";
import { newSecret, safeEqual, sha256Hex } from "./secrets";

export const ADMIN_USERNAME = "admin";
/** API tokens start with this, so secret scanners and humans recognise them. */
export const TOKEN_PREFIX = "trellis_";
export const BOOTSTRAP_TOKEN_NAME = "bootstrap";

export interface Authenticated {
  principal: Principal;
  /** For a session: the stored hash of its id (logout, password change) and its end. */
  session?: { idHash: string; userId: string; expiresAt: Date };
}

export interface AuthServiceDeps {
  db: Database;
  now: () => Date;
  log: Logger;
  sessionTtlMs: number;
  /** TRELLIS_API_TOKEN: an admin bearer token for bootstrap automation, never stored. */
  bootstrapToken?: string;
  loginLimits?: LoginLimits;
}

export interface LoginResult {
  sessionId: string;
  expiresAt: Date;
  principal: Principal;
}

const userPrincipal = (user: UserRecord): Principal => ({ username: user.username, role: user.role, via: "session" });
const tokenPrincipal = (name: string, role: Role): Principal => ({ username: `token:${name}`, role, via: "token" });

export class AuthService {
  private readonly limiter: LoginLimiter;
  private readonly bootstrapTokenHash: string | undefined;

  constructor(private readonly deps: AuthServiceDeps) {
    this.limiter = new LoginLimiter(deps.loginLimits, () => deps.now().getTime());
    this.bootstrapTokenHash = deps.bootstrapToken === undefined ? undefined : sha256Hex(deps.bootstrapToken);
  }

  /**
   * First start (no users): creates `admin` with `adminPassword`, or a generated one-time password
   * printed once in the "admin_created" line. Later starts with `adminPassword` set make it admin's
   * password (creating `admin` again if it was deleted): the documented way to recover or rotate it.
   */
  async bootstrap(adminPassword: string | undefined): Promise<void> {
    const { db, log } = this.deps;
    const now = this.deps.now();
    if ((await db.users.count()) === 0) {
      const password = adminPassword ?? generatePassword();
      try {
        await db.users.create({ username: ADMIN_USERNAME, passwordHash: await hashPassword(password), role: "admin", now });
      } catch (err) {
        // Another replica on the same database created it first; its line holds the password.
        if (err instanceof UniqueConstraintError) return;
        throw err;
      }
      if (adminPassword === undefined) {
        log.warn("admin_created", {
          username: ADMIN_USERNAME,
          password,
          message: `Created user "admin" with the one-time password printed here (shown only now). Log in and change it, or restart with --admin-password / TRELLIS_ADMIN_PASSWORD.`,
        });
      } else {
        log.info("admin_created", { username: ADMIN_USERNAME, passwordFrom: "--admin-password" });
      }
      return;
    }
    if (adminPassword === undefined) return;
    const admin = await db.users.findByUsername(ADMIN_USERNAME);
    if (!admin) {
      await db.users.create({ username: ADMIN_USERNAME, passwordHash: await hashPassword(adminPassword), role: "admin", now });
      log.warn("admin_created", { username: ADMIN_USERNAME, passwordFrom: "--admin-password" });
    } else if (!(await verifyPassword(adminPassword, admin.passwordHash))) {
      await db.users.setPasswordHash(ADMIN_USERNAME, await hashPassword(adminPassword));
      const ended = await db.sessions.deleteForUser(admin.id);
      log.warn("admin_password_reset", { username: ADMIN_USERNAME, passwordFrom: "--admin-password", sessionsEnded: ended });
    }
  }

  async login(username: string, password: string, address: string): Promise<LoginResult> {
    const { db, log } = this.deps;
    const wait = this.limiter.retryAfterSeconds(username, address);
    if (wait > 0) {
      log.warn("login_rate_limited", { username, address, retryAfterSeconds: wait });
      throw new RateLimitedError(wait);
    }
    const user = await db.users.findByUsername(username);
    // An unknown name costs one scrypt too, so timing does not tell which usernames exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    if (!user || !ok) {
      this.limiter.recordFailure(username, address);
      log.warn("login_failed", { username, address });
      throw new UnauthorizedError("wrong username or password");
    }
    this.limiter.recordSuccess(username);
    const now = this.deps.now();
    await db.sessions.deleteExpired(now);
    const sessionId = newSecret();
    const expiresAt = new Date(now.getTime() + this.deps.sessionTtlMs);
    await db.sessions.create({ idHash: sha256Hex(sessionId), userId: user.id, now, expiresAt });
    log.info("login", { username, role: user.role, expiresAt });
    return { sessionId, expiresAt, principal: userPrincipal(user) };
  }

  async fromSession(sessionId: string): Promise<Authenticated | null> {
    const idHash = sha256Hex(sessionId);
    const session = await this.deps.db.sessions.find(idHash, this.deps.now());
    if (!session) return null;
    return { principal: userPrincipal(session.user), session: { idHash, userId: session.user.id, expiresAt: session.expiresAt } };
  }

  async fromToken(token: string): Promise<Authenticated | null> {
    const hash = sha256Hex(token);
    if (this.bootstrapTokenHash !== undefined && safeEqual(hash, this.bootstrapTokenHash)) {
      return { principal: tokenPrincipal(BOOTSTRAP_TOKEN_NAME, "admin") };
    }
    if (!token.startsWith(TOKEN_PREFIX)) return null;
    const record = await this.deps.db.apiTokens.findByHash(hash);
    return record ? { principal: tokenPrincipal(record.name, record.role) } : null;
  }

  async logout(auth: Authenticated): Promise<void> {
    if (!auth.session) return;
    await this.deps.db.sessions.delete(auth.session.idHash);
    this.deps.log.info("logout", { username: auth.principal.username });
  }

  listUsers(): Promise<UserRecord[]> {
    return this.deps.db.users.list();
  }

  async createUser(input: { username: string; password: string; role: Role }, by: Principal): Promise<UserRecord> {
    try {
      const user = await this.deps.db.users.create({ username: input.username, passwordHash: await hashPassword(input.password), role: input.role, now: this.deps.now() });
      this.deps.log.info("user_created", { username: user.username, role: user.role, by: by.username });
      return user;
    } catch (err) {
      if (err instanceof UniqueConstraintError) throw new ConflictError(`user ${JSON.stringify(input.username)} exists`, "username");
      throw err;
    }
  }

  async deleteUser(username: string, by: Principal): Promise<void> {
    if (username === by.username) throw new ForbiddenError("you cannot delete yourself");
    if (!(await this.deps.db.users.delete(username))) throw new NotFoundError(`no user ${JSON.stringify(username)}`);
    this.deps.log.info("user_deleted", { username, by: by.username });
  }

  /** An admin sets anyone's password, others only their own; every other session of that user ends. */
  async setPassword(username: string, password: string, by: Authenticated): Promise<void> {
    if (by.principal.role !== "admin" && !(by.principal.via === "session" && by.principal.username === username)) {
      throw new ForbiddenError("only an admin can set another user's password");
    }
    const user = await this.deps.db.users.findByUsername(username);
    if (!user) throw new NotFoundError(`no user ${JSON.stringify(username)}`);
    await this.deps.db.users.setPasswordHash(username, await hashPassword(password));
    const keep = by.session?.userId === user.id ? by.session.idHash : undefined;
    const ended = await this.deps.db.sessions.deleteForUser(user.id, keep);
    this.deps.log.info("password_changed", { username, by: by.principal.username, sessionsEnded: ended });
  }

  listTokens(): Promise<ApiTokenRecord[]> {
    return this.deps.db.apiTokens.list();
  }

  /** Returns the token once; only its hash is kept. */
  async createToken(input: { name: string; role: Role }, by: Principal): Promise<{ record: ApiTokenRecord; token: string }> {
    if (input.name === BOOTSTRAP_TOKEN_NAME) throw new ConflictError(`"${BOOTSTRAP_TOKEN_NAME}" is reserved for TRELLIS_API_TOKEN`, "name");
    const token = `${TOKEN_PREFIX}${newSecret()}`;
    try {
      const record = await this.deps.db.apiTokens.create({ name: input.name, tokenHash: sha256Hex(token), role: input.role, createdBy: by.username, now: this.deps.now() });
      this.deps.log.info("token_created", { name: record.name, role: record.role, by: by.username });
      return { record, token };
    } catch (err) {
      if (err instanceof UniqueConstraintError) throw new ConflictError(`a token named ${JSON.stringify(input.name)} exists`, "name");
      throw err;
    }
  }

  async deleteToken(name: string, by: Principal): Promise<void> {
    if (!(await this.deps.db.apiTokens.delete(name))) throw new NotFoundError(`no token ${JSON.stringify(name)}`);
    this.deps.log.info("token_deleted", { name, by: by.username });
  }
}
