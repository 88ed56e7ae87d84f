// `trellis ... --help` through the real bin shim: every subcommand lists its flags, env vars and defaults.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../support/processes";

const BIN = path.join(ROOT, "apps/cli/bin/trellis.mjs");

function trellis(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("trellis --help", { timeout: 120_000 }, () => {
  it("lists the commands", () => {
    const { code, out } = trellis("--help");
    assert.equal(code, 0);
    for (const command of ["demo", "up", "control-plane", "console", "sidecar"]) assert.match(out, new RegExp(`^  ${command} `, "m"));
  });

  it("demo lists every flag with its env var and default", () => {
    const { code, out } = trellis("demo", "--help");
    assert.equal(code, 0);
    const expected: Array<[string, string, string]> = [
      ["console-port", "TRELLIS_CONSOLE_PORT", "3000"],
      ["api-port", "TRELLIS_API_PORT", "7070"],
      ["otlp-http-port", "TRELLIS_OTLP_HTTP_PORT", "4318"],
      ["data-dir", "TRELLIS_DATA_DIR", "./data"],
      ["rate", "TRELLIS_RATE", "10"],
      ["console, --no-console", "TRELLIS_CONSOLE", "true"],
      ["database-url", "TRELLIS_DATABASE_URL or DATABASE_URL", "file:<data-dir>/trellis.db"],
    ];
    for (const [flag, env, def] of expected) {
      const line = out.split("\n").find((l) => l.trimStart().startsWith(`--${flag}`));
      assert.ok(line, `--${flag} is listed`);
      assert.ok(line.includes(`env ${env}`) && line.includes(`default ${def}`), `--${flag} shows env ${env} and default ${def}: ${line}`);
    }
  });

  it("up lists the control plane's and the console's addresses", () => {
    const { code, out } = trellis("up", "--help");
    assert.equal(code, 0);
    for (const flag of ["--api-host", "--api-port", "--otlp-http-port", "--console-port", "--data-dir", "--database-url"]) assert.ok(out.includes(flag), flag);
    assert.match(out, /env TRELLIS_CONSOLE_HOST, default 127\.0\.0\.1/);
  });

  it("console forwards --help to the console's own start script", () => {
    const { code, out } = trellis("console", "--help");
    assert.equal(code, 0);
    assert.match(out, /TRELLIS_CONSOLE_PORT/);
    assert.match(out, /TRELLIS_API_URL/);
  });

  it("sidecar forwards --help to the sidecar, which lists its flags and env vars", () => {
    const { code, out } = trellis("sidecar", "--help");
    assert.equal(code, 0);
    const pairs: Array<[string, string]> = [
      ["--service", "TRELLIS_SERVICE"],
      ["--app-port", "TRELLIS_APP_PORT"],
      ["--outbound-port", "TRELLIS_OUTBOUND_PORT"],
      ["--control-plane", "TRELLIS_CONTROL_PLANE"],
    ];
    for (const [flag, env] of pairs) {
      assert.ok(out.includes(flag) && out.includes(env), `${flag} / ${env} listed`);
    }
    assert.match(out, /15001/);
  });

  it("control-plane forwards --help to the control plane, which lists its flags, env vars and defaults", () => {
    const { code, out } = trellis("control-plane", "--help");
    assert.equal(code, 0);
    for (const [flag, env, def] of [
      ["--api-port", "TRELLIS_API_PORT", "7070"],
      ["--otlp-http-port", "TRELLIS_OTLP_HTTP_PORT", "4318"],
      ["--database-url", "DATABASE_URL", "file:"],
      ["--lease-ttl", "TRELLIS_LEASE_TTL", "15s"],
    ] as const) {
      assert.ok(out.includes(flag) && out.includes(env) && out.includes(def), `${flag} / ${env} / ${def} listed`);
    }
  });

  it("rejects unknown commands and flags with exit code 2", () => {
    assert.equal(trellis("nonsense").code, 2);
    const bad = trellis("demo", "--no-such-flag");
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown flag --no-such-flag/);
  });
});
