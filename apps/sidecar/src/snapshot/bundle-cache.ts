// The last good bundle on disk, so a sidecar can boot and serve while the control plane is down.
// File layout: one JSON header line (format, sha256 of the rest, revision), then the bundle JSON.
// Writes go to a temp file that is fsynced and renamed over the old one, so a crash leaves either
// the old or the new file; a checksum mismatch on load means the file was damaged and is refused.
import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { Logger } from "../log";

export const CACHE_FILE = "bundle.json";
const FORMAT = "trellis-bundle-cache/1";

const ZHeader = z.object({ format: z.literal(FORMAT), sha256: z.string().regex(/^[0-9a-f]{64}$/), revision: z.int().min(0), savedAt: z.string() });

export type CacheLoad =
  | { status: "missing" }
  | { status: "loaded"; bundle: unknown; revision: number; savedAt: string }
  | { status: "corrupt"; error: string };

export class BundleCache {
  readonly file: string;
  private pending: { json: string; revision: number } | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    private readonly log: Logger,
  ) {
    this.file = join(dir, CACHE_FILE);
  }

  /** Persists a bundle (as its JSON text). Writes are serialised and only the newest waiting one is written. */
  save(json: string, revision: number): Promise<void> {
    this.pending = { json, revision };
    this.writing ??= this.drain();
    return this.writing;
  }

  async load(): Promise<CacheLoad> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (err) {
      if (isNotFound(err)) return { status: "missing" };
      return { status: "corrupt", error: `cannot read ${this.file}: ${String(err)}` };
    }
    const nl = text.indexOf("\n");
    if (nl < 0) return { status: "corrupt", error: "no header line" };
    let header: z.infer<typeof ZHeader>;
    try {
      const parsed = ZHeader.safeParse(JSON.parse(text.slice(0, nl)));
      if (!parsed.success) return { status: "corrupt", error: `header: ${parsed.error.issues[0]?.message ?? "invalid"}` };
      header = parsed.data;
    } catch {
      return { status: "corrupt", error: "header is not JSON" };
    }
    const body = text.slice(nl + 1);
    const actual = sha256(body);
    if (actual !== header.sha256) return { status: "corrupt", error: `checksum mismatch: header says ${header.sha256}, content is ${actual}` };
    try {
      return { status: "loaded", bundle: JSON.parse(body), revision: header.revision, savedAt: header.savedAt };
    } catch {
      return { status: "corrupt", error: "bundle is not JSON although its checksum matches" };
    }
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const { json, revision } = this.pending;
      this.pending = undefined;
      try {
        await this.write(json, revision);
        this.log.debug("config_cached", { revision, file: this.file });
      } catch (err) {
        this.log.error("config_cache_write_failed", { revision, file: this.file, error: err });
      }
    }
    this.writing = undefined;
  }

  private async write(json: string, revision: number): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const header = JSON.stringify({ format: FORMAT, sha256: sha256(json), revision, savedAt: new Date().toISOString() });
    const tmp = join(this.dir, `.${CACHE_FILE}.${process.pid}.${randomUUID()}.tmp`);
    try {
      const fh = await open(tmp, "w", 0o600);
      try {
        await fh.writeFile(`${header}\n${json}`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.file);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
    await syncDir(this.dir);
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && "code" in err && err.code === "ENOENT";
}

/** Makes the rename durable; not every platform allows opening a directory, so it is best effort. */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Durability of the rename is a nicety; the content itself was synced.
  }
}
