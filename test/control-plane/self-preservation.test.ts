// The registry's self-preservation guard in a real control-plane process (real time, short leases):
// most sidecars stop renewing at once -> lapsed leases are kept, the API and the log say so; renewals
// recover -> the guard lifts and only the still-silent sidecar expires.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { SIDECAR_API, ZSidecarsResponse } from "@trellis/mesh-model";
import { startProcess, waitFor, type Started } from "../support/processes";

const LEASE_MS = 3000;
// An admin bearer token for the operator API, where it asks for one (harmless where it does not).
const TOKEN = "self-preservation-test-token-0123456789";
const AUTH = { authorization: `Bearer ${TOKEN}` };

describe("control plane process: registry self-preservation", { timeout: 90_000 }, () => {
  let cp: Started;
  let api: string;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "trellis-selfpres-"));
    cp = await startProcess({
      name: "control-plane",
      entry: "apps/control-plane/src/main.ts",
      args: ["--api-port", "0", "--otlp-http-port", "0", "--database-url", `file:${path.join(dir, "cp.db")}`],
      env: { TRELLIS_API_TOKEN: TOKEN, TRELLIS_LEASE_TTL: `${LEASE_MS}ms`, TRELLIS_SELF_PRESERVATION_THRESHOLD: "0.5", TRELLIS_SELF_PRESERVATION_MIN_INSTANCES: "3" },
    });
    api = `http://127.0.0.1:${String(cp.listening.apiPort)}`;
  });
  after(async () => {
    await cp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (url: string, body?: unknown) => {
    // Fake sidecars: the admin token may act on the sidecar API (sidecar auth is required by default).
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...AUTH }, body: JSON.stringify(body ?? {}) });
    await res.arrayBuffer();
    return res.status;
  };
  const status = async () => ((await (await fetch(`${api}/api/v1/registry`, { headers: AUTH })).json()) as { selfPreservation: { active: boolean; expectedRenewals: number; actualRenewals: number } }).selfPreservation;
  const upIds = async () => ZSidecarsResponse.parse(await (await fetch(`${api}/api/v1/sidecars`, { headers: AUTH })).json()).sidecars.filter((s) => s.up).map((s) => s.instanceId).sort();

  it("holds lapsed leases while most sidecars are silent, and expires only the silent one once renewals recover", async () => {
    const ids = ["s-1", "s-2", "s-3", "s-4"];
    for (const [n, id] of ids.entries()) {
      assert.equal(await post(api + SIDECAR_API.register, { instanceId: id, service: "svc", version: "v1", host: "127.0.0.1", inboundPort: 5000 + n, labels: {} }), 200);
    }
    let beating = new Set(ids);
    const timer = setInterval(() => {
      for (const id of beating) void post(api + SIDECAR_API.heartbeat(id)).catch(() => {});
    }, LEASE_MS / 3);
    try {
      await new Promise((r) => setTimeout(r, LEASE_MS));
      assert.equal((await status()).active, false);

      // Three of four go silent at once.
      beating = new Set(["s-1"]);
      const on = await waitFor("self-preservation on", async () => ((await status()).active ? await status() : undefined), 10_000, 100);
      assert.ok(on.actualRenewals < on.expectedRenewals / 2, JSON.stringify(on));
      // Well past their leases, all four are still up.
      await new Promise((r) => setTimeout(r, 2 * LEASE_MS));
      assert.equal((await status()).active, true);
      assert.deepEqual(await upIds(), ids);
      assert.ok(cp.logs.some((l) => l.includes('"self_preservation_on"')));
      assert.ok(!cp.logs.some((l) => l.includes('"sidecar_lease_expired"')));

      // Two come back: 3 of 4 renew, the guard lifts, s-4 expires.
      beating = new Set(["s-1", "s-2", "s-3"]);
      await waitFor("self-preservation off", async () => ((await status()).active ? undefined : true), 10_000, 100);
      await waitFor("s-4 expired", async () => ((await upIds()).join() === "s-1,s-2,s-3" ? true : undefined), 10_000, 100);
      assert.ok(cp.logs.some((l) => l.includes('"self_preservation_off"')));
      const expired = cp.logs.filter((l) => l.includes('"sidecar_lease_expired"'));
      assert.equal(expired.length, 1, expired.join("\n"));
      assert.match(expired[0]!, /"s-4"/);
    } finally {
      clearInterval(timer);
    }
  });
});
