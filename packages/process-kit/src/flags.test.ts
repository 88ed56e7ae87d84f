import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type FlagSpec, parseFlags, renderHelp, UsageError } from "./flags";

const SPECS: FlagSpec[] = [
  { name: "api-port", default: "7070", help: "API port" },
  { name: "console", boolean: true, default: "true", help: "Start the console" },
  { name: "database-url", env: ["TRELLIS_DATABASE_URL", "DATABASE_URL"], help: "Database" },
];

describe("parseFlags", () => {
  it("takes flags over env over defaults", () => {
    const env = { TRELLIS_API_PORT: "8080", DATABASE_URL: "file:x.db" };
    assert.deepEqual(parseFlags(SPECS, [], env).values, { "api-port": "8080", console: true, "database-url": "file:x.db" });
    assert.equal(parseFlags(SPECS, ["--api-port", "9"], env).values["api-port"], "9");
    assert.equal(parseFlags(SPECS, ["--api-port=10"], env).values["api-port"], "10");
  });

  it("reads --no-x and boolean env spellings", () => {
    assert.equal(parseFlags(SPECS, ["--no-console"], {}).values.console, false);
    assert.equal(parseFlags(SPECS, [], { TRELLIS_CONSOLE: "off" }).values.console, false);
    assert.equal(parseFlags(SPECS, ["--console=false"], {}).values.console, false);
  });

  it("keeps positionals and notices --help", () => {
    const parsed = parseFlags(SPECS, ["catalog", "--help", "--", "--raw"], {});
    assert.deepEqual(parsed.positionals, ["catalog", "--raw"]);
    assert.equal(parsed.help, true);
  });

  it("rejects unknown flags and missing values with a usage error", () => {
    assert.throws(() => parseFlags(SPECS, ["--nope"], {}), UsageError);
    assert.throws(() => parseFlags(SPECS, ["--api-port"], {}), /needs a value/);
    assert.throws(() => parseFlags(SPECS, [], { TRELLIS_CONSOLE: "maybe" }), /true or false/);
  });
});

describe("renderHelp", () => {
  it("lists every flag with its env vars and default", () => {
    const help = renderHelp("x [flags]", "Does x.", SPECS);
    assert.match(help, /--api-port <value>\s+API port \(env TRELLIS_API_PORT, default 7070\)/);
    assert.match(help, /--console, --no-console/);
    assert.match(help, /env TRELLIS_DATABASE_URL or DATABASE_URL, default none/);
  });
});
