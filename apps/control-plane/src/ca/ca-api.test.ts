// The CA through its HTTP API on a real control plane (in-process, SQLite in a temp folder): join
// tokens bind identities, CSRs are checked, signing is rate limited, roots rotate in three steps.
import assert from "node:assert/strict";
import { webcrypto, X509Certificate } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { CA_API, ZApiError, ZJoinTokenResponse, ZSignResponse, ZTrustBundleResponse } from "@trellis/mesh-model";
import { startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";
import { EC_P256, x509 } from "./x509";

async function makeCsr(cn: string, sanService?: string, alg: { name: string; namedCurve?: string; hash: string } = EC_P256): Promise<string> {
  const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const extensions = sanService ? [new x509.SubjectAlternativeNameExtension([{ type: "url", value: `spiffe://trellis.local/service/${sanService}` }])] : [];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${cn}`, keys, signingAlgorithm: alg, extensions });
  return csr.toString("pem");
}

/** Every root of a PEM bundle. */
const rootsOf = (bundle: string): X509Certificate[] => (bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));

describe("certificate authority API", { timeout: 60_000 }, () => {
  let t: TestControlPlane;
  let admin: Record<string, string>;
  const json = { "content-type": "application/json" };
  const tokens: Record<string, string> = {};

  const call = (path: string, init: RequestInit = {}) => fetch(new URL(path, t.api), { ...init, headers: { ...admin, ...json, ...(init.headers as Record<string, string> | undefined) } });
  const sign = (token: string | undefined, body: unknown) =>
    fetch(new URL(CA_API.sign, t.api), { method: "POST", headers: { ...json, ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  const newToken = async (service: string): Promise<string> => {
    const res = await call(CA_API.joinTokens, { method: "POST", body: JSON.stringify({ service }) });
    assert.equal(res.status, 201);
    const created = ZJoinTokenResponse.parse(await res.json());
    assert.equal(created.service, service);
    return created.token!;
  };
  const bundle = async () => ZTrustBundleResponse.parse(await (await fetch(new URL(CA_API.bundle, t.api))).json());

  before(async () => {
    t = await startTestControlPlane({ args: ["--cert-ttl", "10m", "--ca-sign-rate", "1000"] });
    // The operator API needs the bootstrap token once login is enforced; before that it is ignored.
    admin = (t as unknown as { auth?: Record<string, string> }).auth ?? {};
    tokens.orders = await newToken("orders");
    tokens.payments = await newToken("payments");
  });
  after(() => t?.close());

  it("generates an ECDSA P-256 root on first start and serves it as the trust bundle", async () => {
    const b = await bundle();
    assert.equal(b.roots.length, 1);
    assert.equal(b.roots[0]!.active, true);
    const [root] = rootsOf(b.trustBundle);
    assert.ok(root?.ca);
    assert.equal(root!.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
  });

  it("signs a CSR as the token's service: SPIFFE URI SAN, short lifetime, issued by the root", async () => {
    const res = await sign(tokens.orders, { csr: await makeCsr("orders") });
    assert.equal(res.status, 200);
    const signed = ZSignResponse.parse(await res.json());
    assert.equal(signed.spiffeId, "spiffe://trellis.local/service/orders");
    const cert = new X509Certificate(signed.certificate);
    assert.equal(cert.subjectAltName, "URI:spiffe://trellis.local/service/orders");
    assert.equal(cert.ca, false);
    const [root] = rootsOf(signed.trustBundle);
    assert.ok(cert.verify(root!.publicKey) && cert.checkIssued(root!));
    const lifetime = Date.parse(cert.validTo) - Date.now();
    assert.ok(lifetime > 9 * 60_000 && lifetime <= 10 * 60_000, `lifetime ${lifetime}`);
  });

  it("never gives a token another service's identity, whatever the CSR asks for", async () => {
    const res = await sign(tokens.orders, { csr: await makeCsr("payments", "payments") });
    assert.equal(res.status, 200);
    const cert = new X509Certificate(ZSignResponse.parse(await res.json()).certificate);
    assert.equal(cert.subjectAltName, "URI:spiffe://trellis.local/service/orders");
    assert.equal(cert.subject, "CN=orders");
    // Nor can the body name a service.
    const named = await sign(tokens.orders, { csr: await makeCsr("payments"), service: "payments" });
    assert.equal(named.status, 400);
  });

  it("refuses a missing, unknown or deleted token with 401", async () => {
    const csr = await makeCsr("orders");
    assert.equal((await sign(undefined, { csr })).status, 401);
    assert.equal((await sign("trellis-join-forged", { csr })).status, 401);
    const created = ZJoinTokenResponse.parse(await (await call(CA_API.joinTokens, { method: "POST", body: JSON.stringify({ service: "orders" }) })).json());
    assert.equal((await call(`${CA_API.joinTokens}/${created.id}`, { method: "DELETE" })).status, 204);
    const res = await sign(created.token, { csr });
    assert.equal(res.status, 401);
    assert.equal(ZApiError.parse(await res.json()).error.code, "unauthorized");
  });

  it("refuses a CSR that is not ECDSA P-256 or whose signature does not verify, with 400", async () => {
    const p384 = await makeCsr("orders", undefined, { name: "ECDSA", namedCurve: "P-384", hash: "SHA-384" });
    assert.equal((await sign(tokens.orders, { csr: p384 })).status, 400);
    // Same key, different subject: the signature no longer covers the request.
    const a = new x509.Pkcs10CertificateRequest(await makeCsr("orders"));
    const der = new Uint8Array(a.rawData);
    const at = Buffer.from(der).indexOf(Buffer.from("orders"));
    der[at] = "x".charCodeAt(0);
    const tampered = x509.PemConverter.encode(der, "CERTIFICATE REQUEST");
    const res = await sign(tokens.orders, { csr: tampered });
    assert.equal(res.status, 400);
    assert.equal(ZApiError.parse(await res.json()).error.path, "csr");
    // A sound outer structure whose key parameters do not decode: the namedCurve OID's tag is no longer
    // an OID, so the parameters read as explicit (SpecifiedECDomain) ones and fail. The key is parsed
    // lazily; this once escaped as a 500.
    const garbled = Buffer.from(new x509.Pkcs10CertificateRequest(await makeCsr("orders")).rawData);
    const oid = garbled.indexOf(Buffer.from("06082a8648ce3d030107", "hex"));
    garbled[oid] = garbled[oid]! ^ 1;
    const bad = await sign(tokens.orders, { csr: x509.PemConverter.encode(new Uint8Array(garbled), "CERTIFICATE REQUEST") });
    assert.equal(bad.status, 400);
    const error = ZApiError.parse(await bad.json()).error;
    assert.equal(error.path, "csr");
    assert.match(error.message, /public key/);
  });

  it("survives fuzzed CSRs: every answer is 400 (413 past the body limit) or a certificate for the token's service, never a 5xx", async () => {
    // The CSR mutated below asks for another service's identity (CN and SAN "orders"); the token is payments'.
    const valid = new Uint8Array(new x509.Pkcs10CertificateRequest(await makeCsr("orders", "orders")).rawData);
    // Other key types, each a well-formed, correctly signed CSR.
    const otherKeys = await Promise.all([
      makeCsr("payments", undefined, { name: "ECDSA", namedCurve: "P-521", hash: "SHA-512" }),
      makeCsr("payments", undefined, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) } as never),
      makeCsr("payments", undefined, { name: "RSA-PSS", hash: "SHA-256", saltLength: 32, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) } as never),
    ]);
    const derBase64 = Buffer.from(valid).toString("base64");
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      let body: unknown;
      const kind = i % 5;
      if (kind === 0) {
        const bytes = valid.slice();
        for (let k = 0; k <= rand(4); k++) {
          const j = rand(bytes.length);
          bytes[j] = bytes[j]! ^ (1 << rand(8));
        }
        body = { csr: x509.PemConverter.encode(bytes, "CERTIFICATE REQUEST") };
      } else if (kind === 1) body = { csr: x509.PemConverter.encode(valid.slice(0, rand(valid.length)), "CERTIFICATE REQUEST") };
      else if (kind === 2) body = { csr: Buffer.from(Array.from({ length: 1 + rand(600) }, () => rand(256))).toString(rand(2) ? "base64" : "latin1") };
      else if (kind === 3) body = { csr: "-----BEGIN CERTIFICATE REQUEST-----\n" + "A".repeat(rand(2000)) + "\n-----END CERTIFICATE REQUEST-----" };
      else
        body = [
          null, 7, "x", { csr: 12 }, { csr: "" }, { csr: "y".repeat(20_000) }, { csr: ["a"] }, { csr: { pem: "x" } }, { csr: null },
          // DER without its PEM armour, whole or truncated; a PEM with a certificate's label; the other key types.
          { csr: derBase64 }, { csr: derBase64.slice(0, rand(derBase64.length)) }, { csr: x509.PemConverter.encode(valid, "CERTIFICATE") },
          ...otherKeys.map((csr) => ({ csr })),
          // Huge: past the CSR's 16 KiB and past the API's 1 MiB body limit.
          { csr: "z".repeat(200_000) }, { csr: "z".repeat(2 * 1024 * 1024) },
        ][rand(18)];
      const res = await sign(tokens.payments, body);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 200) assert.equal(new X509Certificate(ZSignResponse.parse(await res.json()).certificate).subjectAltName, "URI:spiffe://trellis.local/service/payments");
      else await res.arrayBuffer();
      assert.ok(res.status === 200 || res.status === 400 || res.status === 413, `fuzz case ${i} answered ${res.status}`);
    }
    assert.ok((statuses.get(400) ?? 0) >= 270, JSON.stringify([...statuses]));
    // Each other key type on its own: 400, with the path.
    for (const csr of otherKeys) {
      const res = await sign(tokens.payments, { csr });
      assert.equal(res.status, 400);
      assert.equal(ZApiError.parse(await res.json()).error.path, "csr");
    }
    assert.equal((await fetch(new URL("/healthz", t.api))).status, 200);
  });

  it("rotates the root in three steps: add (trusted, not signing), activate, remove the old one", async () => {
    const before = await bundle();
    const oldId = before.roots[0]!.id;
    const added = await call(CA_API.roots, { method: "POST", body: "{}" });
    assert.equal(added.status, 201);
    const newId = ((await added.json()) as { id: string }).id;
    let b = await bundle();
    assert.deepEqual(b.roots.map((r) => [r.id, r.active]), [[oldId, true], [newId, false]]);
    assert.equal(rootsOf(b.trustBundle).length, 2);
    const issuerOf = async () => new X509Certificate(ZSignResponse.parse(await (await sign(tokens.orders, { csr: await makeCsr("orders") })).json()).certificate);
    const [oldRoot, newRoot] = rootsOf(b.trustBundle);
    assert.ok((await issuerOf()).checkIssued(oldRoot!));

    assert.equal((await call(`${CA_API.roots}/${newId}/activate`, { method: "POST", body: "{}" })).status, 200);
    assert.ok((await issuerOf()).checkIssued(newRoot!));
    assert.equal((await call(`${CA_API.roots}/${newId}`, { method: "DELETE" })).status, 409, "the active root cannot be removed");

    assert.equal((await call(`${CA_API.roots}/${oldId}`, { method: "DELETE" })).status, 204);
    b = await bundle();
    assert.deepEqual(b.roots.map((r) => r.id), [newId]);
    assert.equal(rootsOf(b.trustBundle)[0]!.fingerprint256, newRoot!.fingerprint256);
  });
});

describe("certificate signing rate limit", { timeout: 30_000 }, () => {
  it("answers 429 with retry-after past a token's burst", async () => {
    const t = await startTestControlPlane({ args: ["--ca-sign-rate", "1"] });
    try {
      const admin = (t as unknown as { auth?: Record<string, string> }).auth ?? {};
      const created = await fetch(new URL(CA_API.joinTokens, t.api), { method: "POST", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ service: "orders" }) });
      const token = ZJoinTokenResponse.parse(await created.json()).token!;
      const csr = await makeCsr("orders");
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const res = await fetch(new URL(CA_API.sign, t.api), { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ csr }) });
        statuses.push(res.status);
        if (res.status === 429) assert.ok(Number(res.headers.get("retry-after")) >= 1);
        await res.arrayBuffer();
      }
      // A burst of twice the rate goes through, then the bucket is empty.
      assert.deepEqual(statuses.slice(0, 2), [200, 200], statuses.join(","));
      assert.ok(statuses.slice(2).includes(429), statuses.join(","));
    } finally {
      await t.close();
    }
  });
});
