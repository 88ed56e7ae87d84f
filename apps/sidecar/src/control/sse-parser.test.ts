import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SseParser } from "./sse-parser";

const all = (chunks: Array<string | Uint8Array>) => {
  const p = new SseParser();
  return chunks.flatMap((c) => p.push(c));
};

describe("SseParser", () => {
  it("parses named events with multi-line data and skips comments", () => {
    const events = all([": keep-alive\n\nevent: bundle\nid: 7\ndata: {\"a\":\ndata: 1}\n\ndata: plain\n\n"]);
    assert.deepEqual(events, [
      { event: "bundle", data: '{"a":\n1}', id: "7" },
      { event: "message", data: "plain", id: "7" },
    ]);
  });

  it("handles events and CRLF line ends split anywhere across chunks", () => {
    const text = "event: bundle\r\ndata: {\"revision\":3}\r\n\r\nevent: bundle\rdata: x\r\r";
    const expected = [
      { event: "bundle", data: '{"revision":3}', id: undefined },
      { event: "bundle", data: "x", id: undefined },
    ];
    for (let cut = 0; cut <= text.length; cut++) assert.deepEqual(all([text.slice(0, cut), text.slice(cut)]), expected, `cut at ${cut}`);
    assert.deepEqual(all(text.split("")), expected);
  });

  it("decodes UTF-8 split inside a character and drops a leading BOM", () => {
    const bytes = new TextEncoder().encode("\uFEFFdata: héllo\n\n");
    assert.deepEqual(all([bytes.slice(0, 10), bytes.slice(10)]), [{ event: "message", data: "héllo", id: undefined }]);
  });

  it("does not dispatch an event without data", () => {
    assert.deepEqual(all(["event: bundle\n\n"]), []);
  });
});
