import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BundleCache, CACHE_FILE } from "./bundle-cache";
import { SnapshotStore } from "./snapshot-store";
import { silentLogger } from "../log";
import { makeBundle, ME } from "../testing/bundles";

const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), "trellis-cache-"));
  dirs.push(d);
  return d;
};
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("BundleCache", () => {
  it("reports a missing cache", async () => {
    assert.deepEqual(await new BundleCache(join(await tempDir(), "none"), silentLogger).load(), { status: "missing" });
  });

  it("writes atomically and loads back a bundle the store accepts", async () => {
    const dir = join(await tempDir(), "nested", "instance");
    const cache = new BundleCache(dir, silentLogger);
    const bundle = makeBundle(9, [{ service: "catalog", endpoints: [{ port: 1001 }] }]);
    await cache.save(JSON.stringify(bundle), 9);
    assert.deepEqual(await readdir(dir), [CACHE_FILE], "no temp file left behind");
    const loaded = await cache.load();
    assert.equal(loaded.status, "loaded");
    const store = new SnapshotStore(ME, silentLogger);
    const r = store.apply(loaded.status === "loaded" ? loaded.bundle : null, { source: "cache", allowRegression: true });
    assert.equal(r.status, "applied");
    assert.equal(store.current?.source, "cache");
    assert.equal(store.current?.destinations.get("catalog")?.balancer.pick()?.origin, "http://127.0.0.1:1001");
  });

  it("keeps only the newest of concurrent saves", async () => {
    const cache = new BundleCache(await tempDir(), silentLogger);
    await Promise.all([1, 2, 3].map((r) => cache.save(JSON.stringify(makeBundle(r)), r)));
    const loaded = await cache.load();
    assert.equal(loaded.status === "loaded" ? loaded.revision : -1, 3);
  });

  it("refuses a file whose content no longer matches its checksum", async () => {
    const dir = await tempDir();
    const cache = new BundleCache(dir, silentLogger);
    await cache.save(JSON.stringify(makeBundle(4)), 4);
    const file = join(dir, CACHE_FILE);
    const text = await readFile(file, "utf8");
    await writeFile(file, text.replace("2025-01-01", "2025-01-02"));
    const loaded = await cache.load();
    assert.equal(loaded.status, "corrupt");
    assert.match(loaded.status === "corrupt" ? loaded.error : "", /checksum mismatch/);
  });

  it("refuses a truncated or foreign file", async () => {
    const dir = await tempDir();
    const file = join(dir, CACHE_FILE);
    for (const content of ["", "garbage", '{"format":"other"}\n{}']) {
      await writeFile(file, content);
      assert.equal((await new BundleCache(dir, silentLogger).load()).status, "corrupt", JSON.stringify(content));
    }
  });
});
