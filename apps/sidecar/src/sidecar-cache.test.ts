// Booting from the on-disk cache: a sidecar whose control plane is down serves its last good
// bundle, and refuses a damaged cache file loudly instead of serving it.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BundleCache, CACHE_FILE } from "./snapshot/bundle-cache";
import { createLogger, silentLogger } from "./log";
import { makeBundle } from "./testing/bundles";
import { echoApp, send, startServer, startTestSidecar } from "./testing/servers";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), "trellis-boot-"));
  dirs.push(d);
  return d;
};

describe("booting from the bundle cache", () => {
  it("serves the cached bundle while the control plane is unreachable", async () => {
    const app = await startServer(echoApp("catalog"));
    const catalog = await startTestSidecar({ service: "catalog", appPort: app.port });
    const dir = await tempDir();
    await new BundleCache(dir, silentLogger).save(JSON.stringify(makeBundle(12, [{ service: "catalog", endpoints: [{ port: catalog.ports.inbound }] }])), 12);
    const web = await startTestSidecar({ service: "web", appPort: 1, cacheDir: dir });
    try {
      const ready = await send(web.ports.admin, { path: "/ready" });
      assert.deepEqual(JSON.parse(ready.body), { ready: true, revision: 12, source: "cache" });
      const res = await send(web.ports.outbound, { path: "http://catalog/from-cache" });
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.body).url, "/from-cache");
    } finally {
      await web.close();
      await catalog.close();
      await app.close();
    }
  });

  it("refuses a corrupted cache file with an error log and stays not ready", async () => {
    const dir = await tempDir();
    await new BundleCache(dir, silentLogger).save(JSON.stringify(makeBundle(3)), 3);
    await writeFile(join(dir, CACHE_FILE), '{"format":"trellis-bundle-cache/1","sha256":"' + "0".repeat(64) + '","revision":3,"savedAt":"x"}\n{}');
    const lines: string[] = [];
    const log = createLogger({ service: "web", level: "info", write: (l) => void lines.push(l) });
    const web = await startTestSidecar({ service: "web", appPort: 1, cacheDir: dir }, log);
    try {
      const corrupt = lines.map((l) => JSON.parse(l)).find((r) => r.event === "config_cache_corrupt");
      assert.equal(corrupt?.level, "error");
      assert.match(corrupt?.error, /checksum mismatch/);
      assert.equal((await send(web.ports.admin, { path: "/ready" })).status, 503);
    } finally {
      await web.close();
    }
  });
});
