// The sidecar's certificate, key and trust bundle on disk next to the bundle cache (0600, written to a
// temp file then renamed), so a restart while the CA is unreachable keeps its identity until expiry.
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

const ZCachedIdentity = z.strictObject({
  format: z.literal("trellis-identity-v1"),
  service: z.string(),
  keyPem: z.string().min(1),
  certPem: z.string().min(1),
  trustBundle: z.string().min(1),
});
export type CachedIdentity = Omit<z.infer<typeof ZCachedIdentity>, "format">;

export class IdentityCache {
  readonly file: string;

  constructor(dir: string) {
    this.file = join(dir, "identity.json");
  }

  async load(): Promise<CachedIdentity | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch {
      return undefined;
    }
    try {
      const { format: _format, ...identity } = ZCachedIdentity.parse(JSON.parse(text));
      return identity;
    } catch {
      return undefined;
    }
  }

  async save(identity: CachedIdentity): Promise<void> {
    await mkdir(join(this.file, ".."), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ format: "trellis-identity-v1", ...identity }), { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, this.file);
  }
}
