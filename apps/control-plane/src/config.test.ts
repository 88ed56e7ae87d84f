import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { helpText, loadConfig, type Config } from "./config";

const CWD = "/srv/trellis";

function config(argv: string[], env: Record<string, string> = {}): Config {
  const result = loadConfig(argv, env, CWD);
  assert.equal(result.kind, "config", JSON.stringify(result));
  if (result.kind !== "config") throw new Error("unreachable");
  return result.config;
}

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    assert.deepEqual(config([]), {
      apiHost: "127.0.0.1",
      apiPort: 7070,
      otlpHttpHost: "127.0.0.1",
      otlpHttpPort: 4318,
      otlpGrpcHost: "127.0.0.1",
      otlpGrpcPort: 4317,
      databaseUrl: "file:/srv/trellis/data/trellis.db",
      leaseTtlMs: 15_000,
      selfPreservationThreshold: 0.5,
      selfPreservationMinInstances: 3,
      revisionPollMs: 5_000,
      retention10sMs: 6 * 3_600_000,
      retention1mMs: 7 * 86_400_000,
      maxOtlpBodyBytes: 4 * 1024 * 1024,
      maxOtlpInFlight: 64,
      maxOtlpInFlightBytes: 64 * 1024 * 1024,
      otlpLatencyTargetMs: 1_000,
      maxSeries: 50_000,
      adminPassword: undefined,
      apiToken: undefined,
      sessionTtlMs: 12 * 3_600_000,
      allowedOrigins: [],
      trustDomain: "trellis.local",
      certTtlMs: 3_600_000,
      caCertFile: undefined,
      caKeyFile: undefined,
      caSignRate: 5,
      mtlsMode: "strict",
      authorizationDefault: "allow",
      sidecarAuth: "required",
      logLevel: "info",
    });
  });

  it("reads the self-preservation threshold as a share of 0..1", () => {
    assert.equal(config(["--self-preservation-threshold", "0.85"]).selfPreservationThreshold, 0.85);
    assert.equal(config([], { TRELLIS_SELF_PRESERVATION_THRESHOLD: "0" }).selfPreservationThreshold, 0);
    for (const bad of ["1.5", "-0.1", "half", "85%"]) {
      const r = loadConfig(["--self-preservation-threshold", bad], {}, "/srv/trellis");
      assert.equal(r.kind, "error", bad);
    }
  });

  it("reads flags in both spellings, and flags win over env", () => {
    const c = config(["--api-port", "0", "--otlp-http-port=0", "--lease-ttl", "6s", "--max-otlp-body", "65536"], {
      TRELLIS_API_PORT: "9000",
      TRELLIS_LOG_LEVEL: "debug",
    });
    assert.equal(c.apiPort, 0);
    assert.equal(c.otlpHttpPort, 0);
    assert.equal(c.leaseTtlMs, 6000);
    assert.equal(c.maxOtlpBodyBytes, 65_536);
    assert.equal(c.logLevel, "debug");
  });

  it("gives the gRPC receiver a free port too when the HTTP one asks for it, unless told otherwise", () => {
    assert.equal(config(["--otlp-http-port", "0"]).otlpGrpcPort, 0);
    assert.equal(config([], { TRELLIS_OTLP_HTTP_PORT: "0" }).otlpGrpcPort, 0);
    assert.equal(config(["--otlp-http-port", "0", "--otlp-grpc-port", "4317"]).otlpGrpcPort, 4317);
    assert.equal(config(["--otlp-http-port", "0"], { TRELLIS_OTLP_GRPC_PORT: "5317" }).otlpGrpcPort, 5317);
    assert.equal(config(["--otlp-http-port", "5318"]).otlpGrpcPort, 4317);
    assert.equal(config(["--max-otlp-in-flight", "2"]).maxOtlpInFlight, 2);
    assert.equal(config(["--max-otlp-in-flight-bytes", "8MiB"]).maxOtlpInFlightBytes, 8 * 1024 * 1024);
    assert.equal(config([], { TRELLIS_OTLP_LATENCY_TARGET: "2s" }).otlpLatencyTargetMs, 2_000);
    assert.throws(() => config(["--otlp-latency-target", "10ms"]), /otlp-latency-target/);
    assert.equal(config([], { TRELLIS_MAX_SERIES: "20" }).maxSeries, 20);
  });

  it("reads DATABASE_URL unprefixed, after TRELLIS_DATABASE_URL and the flag", () => {
    assert.equal(config([], { DATABASE_URL: "postgresql://db/x" }).databaseUrl, "postgresql://db/x");
    assert.equal(config([], { DATABASE_URL: "postgresql://db/x", TRELLIS_DATABASE_URL: "file:/a.db" }).databaseUrl, "file:/a.db");
    assert.equal(config(["--database-url", "file:/b.db"], { TRELLIS_DATABASE_URL: "file:/a.db" }).databaseUrl, "file:/b.db");
  });

  it("names the bad flag and why", () => {
    const cases: [string[], RegExp][] = [
      [["--api-port", "http"], /--api-port "http": must be a port number/],
      [["--api-port", "70000"], /--api-port/],
      [["--lease-ttl", "15"], /--lease-ttl "15": must be a span/],
      [["--retention-1m", "1000d"], /--retention-1m/],
      [["--max-otlp-body", "lots"], /--max-otlp-body/],
      [["--log-level", "loud"], /--log-level/],
      [["--otlp-grpc-port", "-1"], /--otlp-grpc-port/],
      [["--max-otlp-in-flight", "0"], /--max-otlp-in-flight "0": must be 1\.\.100000/],
      [["--database-url", "mysql://x"], /--database-url/],
      [["--no-such-flag", "1"], /no-such-flag/],
      [["stray"], /stray/],
    ];
    for (const [argv, pattern] of cases) {
      const result = loadConfig(argv, {}, CWD);
      assert.equal(result.kind, "error", argv.join(" "));
      if (result.kind === "error") assert.match(result.message, pattern);
    }
  });

  it("reports a bad environment value by its flag", () => {
    const result = loadConfig([], { TRELLIS_OTLP_HTTP_PORT: "x" }, CWD);
    assert.equal(result.kind, "error");
  });

  it("reads the auth settings and never echoes a secret in an error", () => {
    const c = config(["--allowed-origins", "https://console.example, http://127.0.0.1:3000", "--session-ttl", "1h"], {
      TRELLIS_ADMIN_PASSWORD: "correct horse battery",
      TRELLIS_API_TOKEN: "t".repeat(32),
    });
    assert.deepEqual(c.allowedOrigins, ["https://console.example", "http://127.0.0.1:3000"]);
    assert.equal(c.sessionTtlMs, 3_600_000);
    assert.equal(c.adminPassword, "correct horse battery");
    assert.equal(c.apiToken, "t".repeat(32));
    const short = loadConfig(["--admin-password", "hunter2"], {}, CWD);
    assert.equal(short.kind, "error");
    assert.ok(short.kind === "error" && short.message.includes("(hidden)") && !short.message.includes("hunter2"), JSON.stringify(short));
    assert.equal(loadConfig([], { TRELLIS_API_TOKEN: "short" }, CWD).kind, "error");
    assert.equal(loadConfig(["--allowed-origins", "https://console.example/path"], {}, CWD).kind, "error");
  });

  it("--help lists every flag with its env names and default", () => {
    const result = loadConfig(["--help"], {}, CWD);
    assert.equal(result.kind, "help");
    const text = helpText(CWD);
    for (const needle of ["--api-host", "TRELLIS_API_PORT", "DATABASE_URL", "file:/srv/trellis/data/trellis.db", "--retention-10s", "4MiB", "--log-level"]) {
      assert.ok(text.includes(needle), needle);
    }
  });
});
