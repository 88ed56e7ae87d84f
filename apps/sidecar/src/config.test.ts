import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "./config";

const ok = (argv: string[], env: Record<string, string> = {}) => {
  const r = parseConfig(argv, env);
  assert.equal(r.kind, "config", r.kind === "error" ? r.message : r.kind);
  return r.kind === "config" ? r.config : assert.fail();
};

describe("parseConfig", () => {
  it("applies the documented defaults", () => {
    assert.deepEqual(ok(["--service", "catalog", "--app-port", "8080"]), {
      service: "catalog",
      version: "v1",
      appHost: "127.0.0.1",
      appPort: 8080,
      outboundPort: 15001,
      inboundPort: 15006,
      adminPort: 15000,
      bindHost: "127.0.0.1",
      advertiseHost: "127.0.0.1",
      controlPlane: "http://127.0.0.1:7070",
      otlpEndpoint: "http://127.0.0.1:4318",
      metricsIntervalMs: 5000,
      drainTimeoutMs: 5000,
      maxHeaderBytes: 16384,
      maxHeaderCount: 100,
      headersTimeoutMs: 10_000,
      trustDomain: "trellis.local",
      logLevel: "info",
    });
  });

  it("reads TRELLIS_* env vars, and flags win over them", () => {
    const c = ok(["--app-port", "9000", "--outbound-port=0"], {
      TRELLIS_SERVICE: "orders",
      TRELLIS_APP_PORT: "1",
      TRELLIS_OUTBOUND_PORT: "15999",
      TRELLIS_METRICS_INTERVAL: "250ms",
      TRELLIS_CONTROL_PLANE: "http://cp:7070/",
    });
    assert.equal(c.service, "orders");
    assert.equal(c.appPort, 9000);
    assert.equal(c.outboundPort, 0);
    assert.equal(c.metricsIntervalMs, 250);
    assert.equal(c.controlPlane, "http://cp:7070");
  });

  it("says which required flag is missing and names its env var", () => {
    const r = parseConfig(["--app-port", "1"], {});
    assert.equal(r.kind, "error");
    assert.match(r.kind === "error" ? r.message : "", /--service \(or TRELLIS_SERVICE\) is required/);
  });

  it("rejects bad values with the flag's name", () => {
    for (const [argv, why] of [
      [["--app-port", "70000"], /--app-port:/],
      [["--metrics-interval", "soon"], /--metrics-interval: must be a duration/],
      [["--control-plane", "ftp://x"], /--control-plane:/],
      [["--log-level", "loud"], /--log-level:/],
      [["--max-header-count", "0"], /--max-header-count:/],
      [["--max-header-bytes", "10"], /--max-header-bytes:/],
      [["--headers-timeout", "soon"], /--headers-timeout: must be a duration/],
      [["--bogus", "1"], /Unknown option '--bogus'/],
    ] as const) {
      const r = parseConfig(["--service", "a", "--app-port", "1", ...argv], {});
      assert.equal(r.kind, "error", argv.join(" "));
      assert.match(r.kind === "error" ? r.message : "", why);
    }
  });

  it("reads the listener limits from flags and TRELLIS_* env", () => {
    const c = ok(["--service", "a", "--app-port", "1", "--max-header-count=50", "--headers-timeout", "2s"], { TRELLIS_MAX_HEADER_BYTES: "8192", TRELLIS_MAX_HEADER_COUNT: "20" });
    assert.deepEqual([c.maxHeaderBytes, c.maxHeaderCount, c.headersTimeoutMs], [8192, 50, 2000]);
  });

  it("prints help listing every flag with its env var", () => {
    const r = parseConfig(["--help"], {});
    assert.equal(r.kind, "help");
    const text = r.kind === "help" ? r.text : "";
    for (const flag of ["--service", "--app-port", "--admin-port", "--cache-dir", "TRELLIS_OTLP_ENDPOINT", "TRELLIS_INSTANCE_ID"]) assert.ok(text.includes(flag), flag);
  });
});
