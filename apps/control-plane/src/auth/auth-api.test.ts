// Operator authentication against a real control plane (in-process, SQLite in a temp folder): the
// first admin, login/logout/who-am-I, cookie attributes, roles per route, origin checks on
// cookie-carrying changes, API tokens, login rate limits, and every route needing credentials
// unless it is on the allow-list (also with the x-middleware-subrequest header).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AUTH_API, POLICY_API, SIDECAR_API, ZApiError, ZCreatedToken, ZSessionResponse, ZUsersResponse } from "@trellis/mesh-model";
import { loginCookie, postJson, startTestControlPlane, type TestControlPlane } from "../../fixtures/test-control-plane";
import { PUBLIC_ROUTES } from "./access";

async function errorCode(res: Response): Promise<string> {
  const body: unknown = await res.json();
  return ZApiError.parse(body).error.code;
}

const CANARY = { service: "reviews", routes: [{ name: "canary", backends: [{ version: "v1", weight: 80 }, { version: "v2", weight: 20 }] }] };

describe("operator auth", { timeout: 60_000 }, () => {
  let t: TestControlPlane;
  let viewer: string;
  let editor: string;
  const asCookie = (cookie: string, method: string, path: string, body?: unknown, extra: Record<string, string> = {}) =>
    fetch(t.api + path, {
      method,
      headers: { cookie, origin: t.api, ...(body === undefined ? {} : { "content-type": "application/json" }), ...extra },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  before(async () => {
    // Sidecar auth required (the sidecar API is then in the route enumeration below like every other route).
    t = await startTestControlPlane({ args: ["--sidecar-auth", "required"] });
    const reviews = await t.sidecarAuth("reviews");
    for (const [instanceId, version] of [["reviews-1", "v1"], ["reviews-2", "v2"]] as const) {
      const res = await postJson(t.api + SIDECAR_API.register, { instanceId, service: "reviews", version, host: "127.0.0.1", inboundPort: 4000, labels: {} }, { headers: { "content-type": "application/json", ...reviews } });
      assert.equal(res.status, 200);
    }
    for (const [username, role] of [["vera", "viewer"], ["eddie", "editor"]]) {
      const res = await t.fetch(AUTH_API.users, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password: `${username}-password-1`, role }) });
      assert.equal(res.status, 201, await res.text());
    }
    viewer = await loginCookie(t.api, "vera", "vera-password-1");
    editor = await loginCookie(t.api, "eddie", "eddie-password-1");
  });
  after(() => t.close());

  it("creates admin on the first start and prints a generated one-time password once", async () => {
    const fresh = await startTestControlPlane();
    try {
      // The fixture passes --admin-password: no password in the log then.
      const line = fresh.log.lines.find((l) => l.event === "admin_created");
      assert.equal(line?.password, undefined);
      assert.equal(line?.passwordFrom, "--admin-password");
      await loginCookie(fresh.api, "admin", fresh.adminPassword);
    } finally {
      await fresh.close();
    }
  });

  it("logs in with an HttpOnly SameSite=Strict cookie, answers who-am-I, logs out", async () => {
    const res = await postJson(t.api + AUTH_API.session, { username: "admin", password: t.adminPassword });
    assert.equal(res.status, 200);
    const cookie = res.headers.get("set-cookie") ?? "";
    assert.match(cookie, /^trellis_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    assert.equal(ZSessionResponse.parse(await res.json()).user.role, "admin");
    const pair = cookie.split(";")[0]!;
    const me = ZSessionResponse.parse(await (await fetch(t.api + AUTH_API.session, { headers: { cookie: pair } })).json());
    assert.deepEqual(me.user, { username: "admin", role: "admin", via: "session" });
    assert.ok(me.expiresAt !== null && Date.parse(me.expiresAt) > Date.now());
    // Secure when the console says the browser used https.
    const https = await postJson(t.api + AUTH_API.session, { username: "admin", password: t.adminPassword }, { headers: { "content-type": "application/json", "x-forwarded-proto": "https" } });
    assert.match(https.headers.get("set-cookie") ?? "", /; Secure$/);

    const out = await asCookie(pair, "DELETE", AUTH_API.session);
    assert.equal(out.status, 204);
    assert.match(out.headers.get("set-cookie") ?? "", /^trellis_session=; .*Max-Age=0/);
    assert.equal((await fetch(t.api + AUTH_API.session, { headers: { cookie: pair } })).status, 401);
  });

  it("refuses a wrong password, and an unknown user, with the same 401", async () => {
    for (const [username, password] of [["admin", "not-the-password"], ["nobody", "whatever-password"]]) {
      const res = await postJson(t.api + AUTH_API.session, { username, password });
      assert.equal(res.status, 401);
      assert.equal(await errorCode(res), "unauthorized");
      assert.equal(res.headers.get("set-cookie"), null);
    }
  });

  it("lets a viewer read but change nothing; an editor changes policies but not users; the author is the session's user", async () => {
    assert.equal((await asCookie(viewer, "GET", "/api/v1/graph?window=5m")).status, 200);
    assert.equal((await asCookie(viewer, "GET", POLICY_API.policy("reviews"))).status, 200);
    for (const [method, path, body] of [
      ["PUT", POLICY_API.policy("reviews"), { spec: CANARY, message: "viewer tries" }],
      ["DELETE", POLICY_API.policy("reviews"), {}],
      ["POST", POLICY_API.rollback("reviews"), { revision: 1 }],
      ["POST", POLICY_API.preview("reviews"), CANARY],
      ["POST", AUTH_API.users, { username: "x1", password: "x1-password-123", role: "admin" }],
      ["POST", AUTH_API.tokens, { name: "x1", role: "admin" }],
    ] as const) {
      const res = await asCookie(viewer, method, path, body);
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(await errorCode(res), "forbidden");
    }
    const put = await asCookie(editor, "PUT", POLICY_API.policy("reviews"), { spec: CANARY, message: "canary", author: "someone-else" });
    assert.equal(put.status, 200, await put.clone().text());
    assert.equal(((await put.json()) as { author: string }).author, "eddie");
    assert.equal((await asCookie(editor, "GET", AUTH_API.users)).status, 403);
    assert.equal((await asCookie(editor, "POST", AUTH_API.users, { username: "x2", password: "x2-password-123", role: "admin" })).status, 403);
    const users = ZUsersResponse.parse(await (await t.fetch(AUTH_API.users)).json()).users.map((u) => [u.username, u.role]);
    assert.deepEqual(users, [["admin", "admin"], ["eddie", "editor"], ["vera", "viewer"]]);
  });

  it("refuses cookie-carrying changes from a foreign origin, cross-site, or without any origin", async () => {
    const body = { spec: CANARY, message: "csrf" };
    const foreign: Array<Record<string, string>> = [{ origin: "http://evil.example" }, { origin: "null" }, { "sec-fetch-site": "cross-site" }, { "sec-fetch-site": "same-site" }];
    for (const headers of foreign) {
      const res = await asCookie(editor, "PUT", POLICY_API.policy("reviews"), body, headers);
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.equal(await errorCode(res), "forbidden");
    }
    const noOrigin = await fetch(t.api + POLICY_API.policy("reviews"), { method: "PUT", headers: { cookie: editor, "content-type": "application/json" }, body: JSON.stringify(body) });
    assert.equal(noOrigin.status, 403);
    // Through the console: the browser's origin is the console's host, which it forwards.
    const viaConsole = await asCookie(editor, "PUT", POLICY_API.policy("reviews"), body, { origin: "http://console.test:3000", "x-forwarded-host": "console.test:3000", "sec-fetch-site": "same-origin" });
    assert.equal(viaConsole.status, 200);
    // A login from a foreign page is refused too (login CSRF).
    const login = await postJson(t.api + AUTH_API.session, { username: "admin", password: t.adminPassword }, { headers: { "content-type": "application/json", origin: "http://evil.example" } });
    assert.equal(login.status, 403);
  });

  it("API tokens: created once by an admin, carry their role, stop working when deleted; unknown tokens are 401", async () => {
    const res = await t.fetch(AUTH_API.tokens, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "ci", role: "viewer" }) });
    assert.equal(res.status, 201);
    const { token } = ZCreatedToken.parse(await res.json());
    assert.match(token, /^trellis_[A-Za-z0-9_-]{43}$/);
    const bearer = { authorization: `Bearer ${token}` };
    assert.equal((await fetch(`${t.api}/api/v1/services`, { headers: bearer })).status, 200);
    const me = ZSessionResponse.parse(await (await fetch(t.api + AUTH_API.session, { headers: bearer })).json());
    assert.deepEqual(me, { user: { username: "token:ci", role: "viewer", via: "token" }, expiresAt: null });
    assert.equal((await fetch(t.api + POLICY_API.policy("reviews"), { method: "DELETE", headers: bearer })).status, 403);
    assert.equal((await t.fetch(AUTH_API.token("ci"), { method: "DELETE" })).status, 204);
    assert.equal((await fetch(`${t.api}/api/v1/services`, { headers: bearer })).status, 401);
    assert.equal((await fetch(`${t.api}/api/v1/services`, { headers: { authorization: "Bearer trellis_forged" } })).status, 401);
  });

  it("changing a password ends that user's other sessions", async () => {
    const second = await loginCookie(t.api, "vera", "vera-password-1");
    const res = await asCookie(second, "PUT", AUTH_API.userPassword("vera"), { password: "vera-password-2" });
    assert.equal(res.status, 204);
    assert.equal((await asCookie(viewer, "GET", AUTH_API.session)).status, 401);
    assert.equal((await asCookie(second, "GET", AUTH_API.session)).status, 200);
    // Not someone else's.
    assert.equal((await asCookie(second, "PUT", AUTH_API.userPassword("eddie"), { password: "eddie-password-9" })).status, 403);
    viewer = second;
  });

  it("rate-limits failed logins per username with 429 and Retry-After", async () => {
    assert.equal((await t.fetch(AUTH_API.users, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "rita", password: "rita-password-1", role: "viewer" }) })).status, 201);
    for (let i = 0; i < 5; i++) assert.equal((await postJson(t.api + AUTH_API.session, { username: "rita", password: `wrong-${i}` })).status, 401);
    const limited = await postJson(t.api + AUTH_API.session, { username: "rita", password: "rita-password-1" });
    assert.equal(limited.status, 429);
    assert.equal(await errorCode(limited), "rate_limited");
    const wait = Number(limited.headers.get("retry-after"));
    assert.ok(wait >= 1 && wait <= 60, String(wait));
    // Other users are not locked out by rita's failures.
    await loginCookie(t.api, "eddie", "eddie-password-1");
  });

  it("every route needs a session or token unless allow-listed, also with x-middleware-subrequest", async () => {
    const routes = t.cp.apiRoutes;
    assert.ok(routes.length >= 25, routes.join("\n"));
    const sample: Record<string, string> = { service: "reviews", id: "reviews-1", revision: "1", name: "ci", username: "vera" };
    const checked: string[] = [];
    for (const route of routes) {
      const [method, pattern] = route.split(" ") as [string, string];
      const path = pattern.replace(/:(\w+)/g, (_, p: string) => sample[p] ?? "x").replace(/\*$/, "x");
      if (PUBLIC_ROUTES.has(route)) continue;
      const attempts: Array<Record<string, string>> = [{}, { "x-middleware-subrequest": "middleware:middleware:middleware:middleware:middleware" }, { cookie: "trellis_session=forged" }, { authorization: "Bearer forged" }, { authorization: "Bearer trellis-join-forged" }];
      for (const headers of attempts) {
        const res = await fetch(t.api + path, { method, headers: { ...headers, origin: t.api } });
        await res.arrayBuffer();
        assert.equal(res.status, 401, `${route} with ${JSON.stringify(headers)} answered ${res.status}`);
      }
      checked.push(route);
    }
    assert.ok(checked.includes("PUT /api/v1/policies/:service") && checked.includes("GET /api/v1/graph") && checked.includes("POST /api/v1/users"), checked.join("\n"));
    // The sidecar API too: it needs a join token (auth/sidecar-auth.ts).
    assert.ok(checked.includes("POST /api/v1/sidecars/register") && checked.includes("GET /api/v1/sidecars/:id/config") && checked.includes("POST /api/v1/sidecars/:id/ack"), checked.join("\n"));
    // Unknown paths are refused before they are looked up.
    assert.equal((await fetch(`${t.api}/api/v1/nothing`)).status, 401);
    // The allow-list itself answers without credentials.
    assert.equal((await fetch(`${t.api}/healthz`)).status, 200);
  });
});
