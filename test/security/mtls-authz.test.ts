// Issue #6 across real processes on loopback: a control plane with its CA (6 s certificates, and the
// default mesh-wide mTLS mode, strict) and sidecars that join with per-service tokens. Shows: mTLS between sidecars with the
// verified caller passed on; a plaintext peer and a sidecar without identity refused; renewal under load
// with zero failed requests; an unauthorized caller and every path-normalisation trick denied; audit mode
// recording without denying; a CA outage tolerated until the certificates expire, then failing closed.
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, it } from "node:test";
import { echo, logEvents, startMesh, stats, waitForEndpoints, waitForRevision, type App, type Mesh, type Sidecar } from "../support/mesh";
import { waitFor } from "../support/processes";

interface Raw {
  status: number;
  error: string | undefined;
  body: string;
}

/** One request with the path sent exactly as given (undici's URL parsing would resolve the tricks first). */
function raw(port: number, host: string, path: string, method = "GET"): Promise<Raw> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers: { host }, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, error: typeof res.headers["x-trellis-error"] === "string" ? res.headers["x-trellis-error"] : undefined, body }));
    });
    req.on("error", (err) => resolve({ status: 0, error: err.message, body: "" }));
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
    req.end();
  });
}

const identityOf = async (s: Sidecar) => (await stats(s)).identity as { state: string; renewals: number; notAfter: string | null };

describe("mTLS and authorization across real processes", { timeout: 240_000 }, () => {
  let mesh: Mesh;
  let web: Sidecar;
  let intruder: Sidecar;
  let ledger: Sidecar;
  let ledgerApp: App;

  // The mesh helper mints a join token for each sidecar through the CA API.
  const joined = (service: string, appPort: number) => mesh.startSidecar({ service, appPort });
  const outbound = (s: Sidecar) => s.outboundPort;

  before(async () => {
    // No --mtls-mode: strict is the default.
    mesh = await startMesh({ cpArgs: ["--cert-ttl", "6s"] });
    ledgerApp = await mesh.app(echo("ledger"));
    const [webApp, intruderApp] = await Promise.all([mesh.app(echo("web")), mesh.app(echo("intruder"))]);
    [web, intruder, ledger] = await Promise.all([joined("web", webApp.port), joined("intruder", intruderApp.port), joined("ledger", ledgerApp.port)]);
    await Promise.all([waitForEndpoints(web, "ledger", 1), waitForEndpoints(intruder, "ledger", 1)]);
    await waitFor("certificates", async () => ((await Promise.all([web, intruder, ledger].map(identityOf))).every((i) => i.state === "valid") ? true : undefined));
  });

  after(async () => {
    await mesh?.close();
  });

  it("carries web → ledger over mutual TLS and hands the app the verified caller", async () => {
    const r = await raw(outbound(web), "ledger", "/accounts/1");
    assert.equal(r.status, 200, r.body);
    const echoed = JSON.parse(r.body) as { headers: Record<string, string> };
    assert.equal(echoed.headers["x-trellis-source"], "web");
    const mtls = (await stats(ledger)).mtls as { tls: number; plaintext: number };
    assert.ok(mtls.tls >= 1 && mtls.plaintext === 0, JSON.stringify(mtls));
  });

  it("refuses a plaintext peer in strict mode, and a sidecar without a join token gets nothing", async () => {
    const direct = await raw(ledger.inboundPort, "ledger", "/accounts/1");
    assert.equal(direct.status, 0, `plaintext got ${direct.status}`);
    // The control plane requires sidecar auth by default: without a token, no registration and no config.
    const hits = ledgerApp.hits;
    const lonely = await mesh.startSidecar({ service: "legacy", appPort: ledgerApp.port, joinToken: false });
    await waitFor("the control plane refuses the tokenless sidecar", async () => (logEvents(lonely, "register_refused").length > 0 ? true : undefined), 30_000);
    assert.equal(logEvents(lonely, "identity_none").length, 1, "it says at start why it will fail closed");
    const r = await raw(outbound(lonely), "ledger", "/accounts/1");
    assert.ok(r.status >= 400, `a call through it is refused (${r.status} ${r.error ?? ""})`);
    assert.equal(ledgerApp.hits, hits, "nothing reached ledger");
    assert.ok(!(await mesh.sidecarsView()).some((s) => s.service === "legacy"), "it never registered");
    await lonely.stop("SIGTERM");
  });

  it("renews certificates under load with zero failed requests", async () => {
    const before = await Promise.all([identityOf(web), identityOf(ledger)]);
    const deadline = Date.now() + 8_000;
    const failures: string[] = [];
    let done = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() < deadline) {
          const r = await raw(outbound(web), "ledger", "/load");
          if (r.status !== 200) failures.push(`${r.status} ${r.error ?? ""}`);
          done++;
        }
      }),
    );
    const afterward = await Promise.all([identityOf(web), identityOf(ledger)]);
    assert.deepEqual(failures, [], `${failures.length} of ${done} failed`);
    assert.ok(done > 50, `only ${done} requests`);
    assert.ok(afterward[0]!.renewals >= before[0]!.renewals + 2 && afterward[1]!.renewals >= before[1]!.renewals + 2, JSON.stringify({ before, afterward }));
  });

  it("denies an unauthorized caller and every normalisation trick, before the app sees them", async () => {
    const revision = await mesh.putPolicy("ledger", { authorization: { rules: [{ action: "deny", path: { prefix: "/admin" } }, { action: "allow", from: ["web"] }] } });
    // Authorization is the callee's: only ledger's bundle changes.
    await waitForRevision(ledger, revision);
    const hits = ledgerApp.hits;
    const tricks = ["/admin", "/admin/users", "//admin", "/./admin", "/x/../admin", "/%2e%2e/admin", "/%2E%2e/admin/", "/%61dmin", "/x/%2e./admin", "/x\\..\\admin", "/ADMIN/../admin"];
    for (const path of tricks) {
      const r = await raw(outbound(web), "ledger", path);
      assert.equal(r.status, 403, `${path}: ${r.status} ${r.body}`);
      assert.equal(r.error, "denied");
    }
    // (A path starting with a backslash is not even HTTP: the caller's own sidecar refuses it.)
    for (const path of ["\\admin", "/admin%2Fx", "/admin%2fx", "/%252e%252e/admin", "/admin;x=1", "/x/%2e%2e%2Fadmin", "/admin%5cx"]) {
      const r = await raw(outbound(web), "ledger", path);
      assert.ok(r.status === 400, `${path}: ${r.status} ${r.body}`);
    }
    assert.equal(ledgerApp.hits, hits, "no denied or refused request reached the app");
    assert.equal((await raw(outbound(web), "ledger", "/accounts/../ok")).status, 200);
    const r = await raw(outbound(intruder), "ledger", "/ok");
    assert.equal(r.status, 403);
    assert.equal(r.error, "denied");
    const counted = (await stats(ledger)).authorization as Record<string, { denied: number }>;
    assert.ok((counted.intruder?.denied ?? 0) >= 1 && (counted.web?.denied ?? 0) >= tricks.length, JSON.stringify(counted));
  });

  it("in audit mode lets the unauthorized caller through and records what would have been denied", async () => {
    const revision = await mesh.putPolicy("ledger", { authorization: { mode: "audit", rules: [{ action: "allow", from: ["web"] }] } });
    await waitForRevision(ledger, revision);
    const before = ((await stats(ledger)).authorization as Record<string, { auditDenied: number }>).intruder?.auditDenied ?? 0;
    const r = await raw(outbound(intruder), "ledger", "/ok");
    assert.equal(r.status, 200);
    const after = ((await stats(ledger)).authorization as Record<string, { auditDenied: number }>).intruder?.auditDenied ?? 0;
    assert.equal(after, before + 1);
  });

  it("keeps serving through a CA outage until the certificates expire, then fails closed", async () => {
    await mesh.stopControlPlane();
    assert.equal((await raw(outbound(web), "ledger", "/ok")).status, 200, "still valid right after the outage");
    const expiry = Date.parse((await identityOf(web)).notAfter!);
    assert.ok(expiry - Date.now() < 7_000, "a 6 s certificate");
    await new Promise((r) => setTimeout(r, Math.max(0, expiry - Date.now()) + 500));
    await waitFor("web's certificate to expire", async () => ((await identityOf(web)).state === "expired" ? true : undefined), 5_000);
    const r = await raw(outbound(web), "ledger", "/ok");
    assert.equal(r.status, 503);
    assert.equal(r.error, "no_identity");
    // And the callee refuses TLS handshakes once its own certificate has expired.
    await waitFor("ledger's certificate to expire", async () => ((await identityOf(ledger)).state === "expired" ? true : undefined), 8_000);
    const refusedBefore = ((await stats(ledger)).mtls as { refusedNoIdentity: number }).refusedNoIdentity;
    assert.equal((await raw(outbound(web), "ledger", "/ok")).status, 503);
    // A TLS handshake straight to ledger is refused too (it has no valid certificate to present).
    const tls = await import("node:tls");
    await new Promise<void>((resolve) => {
      const s = tls.connect({ host: "127.0.0.1", port: ledger.inboundPort, rejectUnauthorized: false }, () => resolve());
      s.on("error", () => resolve());
      s.on("close", () => resolve());
    });
    assert.ok(((await stats(ledger)).mtls as { refusedNoIdentity: number }).refusedNoIdentity > refusedBefore);
  });
});
