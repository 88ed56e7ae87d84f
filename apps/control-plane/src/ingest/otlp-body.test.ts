import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { isGzipEncoded, otlpFormatOf, readBody } from "./otlp-body";

describe("otlp body", () => {
  it("recognises the two OTLP media types, with parameters, and refuses others", () => {
    assert.equal(otlpFormatOf("application/x-protobuf"), "protobuf");
    assert.equal(otlpFormatOf("Application/JSON; charset=utf-8"), "json");
    for (const bad of [undefined, "", "text/plain", "application/octet-stream", "application/jsonx"]) {
      assert.throws(() => otlpFormatOf(bad), { code: "unsupported_media_type" });
    }
  });

  it("accepts gzip and identity encodings only", () => {
    assert.equal(isGzipEncoded(undefined), false);
    assert.equal(isGzipEncoded("identity"), false);
    assert.equal(isGzipEncoded("GZIP"), true);
    assert.throws(() => isGzipEncoded("br"), { code: "unsupported_media_type" });
    assert.throws(() => isGzipEncoded("deflate"), { code: "unsupported_media_type" });
  });

  it("returns plain and inflated bodies", async () => {
    const text = Buffer.from("hello ".repeat(1000));
    assert.deepEqual(await readBody(Readable.from([text.subarray(0, 10), text.subarray(10)]), { gzip: false, limitBytes: 10_000 }), text);
    assert.deepEqual(await readBody(Readable.from([gzipSync(text)]), { gzip: true, limitBytes: 10_000 }), text);
    assert.equal((await readBody(Readable.from([]), { gzip: false, limitBytes: 10 })).length, 0);
  });

  it("refuses bodies past the limit, declared or counted", async () => {
    await assert.rejects(readBody(Readable.from([]), { gzip: false, limitBytes: 10, declaredLength: 11 }), { code: "payload_too_large" });
    await assert.rejects(readBody(Readable.from([Buffer.alloc(6), Buffer.alloc(6)]), { gzip: false, limitBytes: 10 }), { code: "payload_too_large" });
    // Small when compressed, too large once inflated: the limit applies after decompression.
    await assert.rejects(readBody(Readable.from([gzipSync(Buffer.alloc(20_000))]), { gzip: true, limitBytes: 10_000 }), { code: "payload_too_large" });
  });

  it("stops inflating a gzip bomb soon after the limit", async () => {
    const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024)); // 256 MiB of zeros, about 256 KiB compressed
    let fed = 0;
    const source = Readable.from(
      (async function* () {
        for (let i = 0; i < bomb.length; i += 4096) {
          await new Promise((r) => setImmediate(r)); // like a socket: one chunk per turn of the event loop
          fed += Math.min(4096, bomb.length - i);
          yield bomb.subarray(i, i + 4096);
        }
      })(),
    );
    const started = performance.now();
    let fedWhenRefused = -1;
    await assert.rejects(
      readBody(source, { gzip: true, limitBytes: 1024 * 1024 }).catch((err: unknown) => {
        fedWhenRefused = fed; // what follows is only discarded, not inflated
        throw err;
      }),
      { code: "payload_too_large" },
    );
    assert.ok(fedWhenRefused < bomb.length / 4, `fed ${fedWhenRefused} of ${bomb.length} compressed bytes`);
    assert.ok(performance.now() - started < 2000);
  });

  it("reports broken gzip as an invalid body", async () => {
    await assert.rejects(readBody(Readable.from([Buffer.from("not gzip at all")]), { gzip: true, limitBytes: 1000 }), { code: "invalid_body" });
    const truncated = gzipSync(Buffer.from("x".repeat(5000))).subarray(0, 20);
    await assert.rejects(readBody(Readable.from([truncated]), { gzip: true, limitBytes: 10_000 }), { code: "invalid_body" });
  });
});
