import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDemoArgs, parseUpArgs } from "./config";

function demo(argv: string[], env: Record<string, string> = {}) {
  const parsed = parseDemoArgs(argv, env, "/work");
  assert.equal(parsed.help, false);
  return parsed.help ? undefined : parsed.config;
}

describe("trellis demo flags", () => {
  it("has the documented defaults, with the database under the data dir", () => {
    assert.deepEqual(demo([]), {
      consolePort: 3000,
      apiPort: 7070,
      otlpHttpPort: 4318,
      dataDir: "/work/data",
      databaseUrl: "file:/work/data/trellis.db",
      rate: 10,
      console: true,
      faultScale: 1,
      fresh: false,
      logLevel: "info",
      startTimeoutMs: 60_000,
    });
  });

  it("reads env, and flags win over env", () => {
    const config = demo(["--api-port", "0", "--no-console"], { TRELLIS_API_PORT: "9000", TRELLIS_RATE: "2.5", TRELLIS_DATA_DIR: "/tmp/d" });
    assert.equal(config?.apiPort, 0);
    assert.equal(config?.rate, 2.5);
    assert.equal(config?.console, false);
    assert.equal(config?.databaseUrl, "file:/tmp/d/trellis.db");
  });

  it("takes DATABASE_URL as the ecosystem spells it", () => {
    assert.equal(demo([], { DATABASE_URL: "postgresql://u@h/db" })?.databaseUrl, "postgresql://u@h/db");
  });

  it("rejects bad values naming the flag", () => {
    assert.throws(() => parseDemoArgs(["--rate", "0"], {}, "/"), /--rate/);
    assert.throws(() => parseDemoArgs(["--console-port", "70000"], {}, "/"), /--console-port/);
    assert.throws(() => parseDemoArgs(["--database-url", "mysql://x"], {}, "/"), /--database-url/);
    assert.throws(() => parseDemoArgs(["extra"], {}, "/"), /unexpected argument/);
  });
});

describe("trellis up flags", () => {
  it("binds loopback by default and can bind everything", () => {
    const parsed = parseUpArgs(["--api-host", "0.0.0.0"], {}, "/srv");
    assert.ok(!parsed.help);
    if (parsed.help) return;
    assert.equal(parsed.config.apiHost, "0.0.0.0");
    assert.equal(parsed.config.consoleHost, "127.0.0.1");
    assert.equal(parsed.config.databaseUrl, "file:/srv/data/trellis.db");
  });
});
