// Trust-root rotation and certificate renewal under steady traffic, across real processes: a control
// plane with its CA (8 s certificates, strict mTLS, the default) and joined sidecars web → ledger ×2.
// The root rotates in the documented three steps (add: both trusted → activate: the new one signs →
// remove the old one) while requests flow; every request is counted and none may fail. After each
// step a policy change makes web's sidecar open new connections, so handshakes happen on every step,
// not only on connections opened before the rotation. Renewals come at half the lifetime.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CA_API, ZTrustBundleResponse } from "@trellis/mesh-model";
import { request } from "undici";
import { call, echo, logEvents, startMesh, stats, waitForEndpoints, waitForRevision, type Mesh, type Reply, type Sidecar } from "../support/mesh";
import { waitFor } from "../support/processes";

interface IdentityView {
  state: string;
  issuer: string | null;
  trustedRoots: number;
  renewals: number;
}

const CERT_TTL_S = 8;
const identityOf = async (s: Sidecar) => (await stats(s)).identity as IdentityView;
const handshakesOf = async (s: Sidecar) => ((await stats(s)).mtls as { tls: number }).tls;

describe("trust-root rotation and renewal under load", { timeout: 240_000 }, () => {
  let mesh: Mesh;
  let web: Sidecar;
  let ledgers: Sidecar[];
  const all = () => [web, ...ledgers];

  const api = async (method: "GET" | "POST" | "DELETE", path: string): Promise<{ status: number; body: string }> => {
    const res = await request(`${mesh.api}${path}`, { method, headers: { ...mesh.auth, "content-type": "application/json" }, body: method === "POST" ? "{}" : undefined });
    return { status: res.statusCode, body: await res.body.text() };
  };
  const roots = async () => ZTrustBundleResponse.parse(JSON.parse((await api("GET", CA_API.bundle)).body)).roots;
  /** Waits until every sidecar's identity satisfies `ok` (they change it when they renew). */
  const everySidecar = (what: string, ok: (i: IdentityView) => boolean) =>
    waitFor(`every sidecar: ${what}`, async () => ((await Promise.all(all().map(identityOf))).every(ok) ? true : undefined), 6 * CERT_TTL_S * 1000, 100);

  let maxConnections = 500;
  /** A changed connection limit gives web's sidecar a new pool for ledger: new connections, new handshakes. */
  const freshConnections = async () => {
    const before = await Promise.all(ledgers.map(handshakesOf));
    await waitForRevision(web, await mesh.putPolicy("ledger", { circuitBreaker: { maxConnections: ++maxConnections } }));
    await waitFor("new mTLS handshakes with ledger", async () => {
      const now = await Promise.all(ledgers.map(handshakesOf));
      return now.reduce((a, b) => a + b, 0) > before.reduce((a, b) => a + b, 0) ? true : undefined;
    }, 10_000, 50);
  };

  before(async () => {
    mesh = await startMesh({ cpArgs: ["--cert-ttl", `${CERT_TTL_S}s`] });
    const [webApp, ledgerApp] = await Promise.all([mesh.app(echo("web")), mesh.app(echo("ledger"))]);
    ledgers = await Promise.all([1, 2].map((i) => mesh.startSidecar({ service: "ledger", appPort: ledgerApp.port, name: `ledger-${i}` })));
    web = await mesh.startSidecar({ service: "web", appPort: webApp.port });
    await waitForEndpoints(web, "ledger", 2);
    await everySidecar("a valid certificate", (i) => i.state === "valid");
  });

  after(async () => {
    await mesh?.close();
  });

  it("rotates the root in three steps while requests flow, with zero failed requests", async () => {
    const [initial] = await roots();
    assert.ok(initial?.active, "one active root to start with");
    const failures: string[] = [];
    let done = 0;
    let running = true;
    const workers = Array.from({ length: 3 }, async () => {
      while (running) {
        const r = await call(web, "ledger", "/rotate").catch((err: unknown): Reply => ({ status: 0, headers: {}, body: String(err), ms: 0 }));
        if (r.status !== 200) failures.push(`${r.status} ${String(r.headers["x-trellis-error"] ?? "")} ${r.body.slice(0, 120)}`);
        done++;
      }
    });
    try {
      const steps: Record<string, number> = {};
      // Step 1: a new root, trusted by everyone as they renew, not signing yet.
      const added = await api("POST", CA_API.roots);
      assert.equal(added.status, 201, added.body);
      const next = JSON.parse(added.body) as { id: string; active: boolean };
      assert.equal(next.active, false);
      await everySidecar("trusts both roots", (i) => i.trustedRoots === 2);
      await freshConnections();
      steps.bothTrusted = done;

      // Step 2: the new root signs; every sidecar gets a certificate from it while both are trusted.
      const activated = await api("POST", `${CA_API.roots}/${next.id}/activate`);
      assert.equal(activated.status, 200, activated.body);
      await everySidecar("a certificate from the new root", (i) => i.issuer?.includes(next.id) === true && i.trustedRoots === 2);
      await freshConnections();
      steps.activated = done;

      // Step 3: the old root goes; sidecars trust only the new one once they renew.
      assert.equal((await api("DELETE", `${CA_API.roots}/${next.id}`)).status, 409, "the active root cannot be removed");
      assert.equal((await api("DELETE", `${CA_API.roots}/${initial.id}`)).status, 204);
      await everySidecar("trusts only the new root", (i) => i.trustedRoots === 1 && i.issuer?.includes(next.id) === true);
      await freshConnections();
      steps.removed = done;
      // A little more traffic over the new connections.
      const until = done + 50;
      await waitFor("50 more requests", async () => (done >= until ? true : undefined), 20_000, 20);
      running = false;
      await Promise.all(workers);

      assert.deepEqual(failures, [], `${failures.length} of ${done} requests failed`);
      assert.ok(steps.bothTrusted! > 0 && steps.activated! > steps.bothTrusted! && steps.removed! > steps.activated!, `traffic during every step: ${JSON.stringify(steps)}`);
      assert.deepEqual((await roots()).map((r) => [r.id, r.active]), [[next.id, true]]);
    } finally {
      running = false;
      await Promise.all(workers);
    }
  });

  it("renews each certificate at half its lifetime", async () => {
    for (const s of all()) {
      // When each renewal was asked for (logged when it arrived, with how long it took).
      const renewed = logEvents(s, "identity_renewed").map((e) => {
        const at = Date.parse(String(e.time));
        return { at, askedAt: at - Number(e.tookMs), notAfter: Date.parse(String(e.notAfter)) };
      });
      assert.ok(renewed.length >= 4, `${s.name} renewed ${renewed.length} times`);
      for (let i = 1; i < renewed.length; i++) {
        const prev = renewed[i - 1]!;
        const life = prev.notAfter - prev.askedAt;
        const share = (renewed[i]!.askedAt - prev.askedAt) / life;
        // Half (notAfter is whole seconds, and a loaded machine's timers run late); always before the expiry.
        assert.ok(share > 0.4 && share < 0.8, `${s.name} renewal ${i} was asked for at ${share.toFixed(2)} of the lifetime`);
        assert.ok(renewed[i]!.at < prev.notAfter, `${s.name} renewal ${i} arrived before the previous certificate expired`);
      }
    }
  });
});
