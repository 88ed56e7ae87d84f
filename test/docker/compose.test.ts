// docker-compose.yml and docker/Dockerfile, checked without a Docker engine (there is none here):
// the compose file validates against the Compose Specification's JSON schema, every build points at
// a real context, Dockerfile and target, and every file a Dockerfile copies exists in the context.
// The schema is the compose-spec project's compose-spec.json as shipped (and kept current) by the
// dclint package (MIT), a root devDependency: node_modules/dclint/schemas/compose.schema.json.
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import Ajv from "ajv";
import { parse } from "yaml";
import { z } from "zod";
import { ROOT } from "../support/processes";

const SCHEMA = path.join(ROOT, "node_modules/dclint/schemas/compose.schema.json");

const ZBuild = z.object({ context: z.string(), dockerfile: z.string().default("Dockerfile"), target: z.string().optional() });
const ZService = z.object({
  image: z.string().optional(),
  build: z.union([z.string().transform((context) => ({ context, dockerfile: "Dockerfile", target: undefined })), ZBuild]).optional(),
  network_mode: z.string().optional(),
  depends_on: z.union([z.array(z.string()), z.record(z.string(), z.object({ condition: z.string() }))]).optional(),
  healthcheck: z.object({ test: z.array(z.string()) }).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  user: z.string().optional(),
  restart: z.string().optional(),
  entrypoint: z.array(z.string()).optional(),
  command: z.array(z.string()).optional(),
  volumes: z.array(z.string()).optional(),
});
const ZCompose = z.object({ services: z.record(z.string(), ZService) });

function loadCompose(): unknown {
  // Compose resolves YAML merge keys (<<) before it validates; so do we.
  return parse(readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8"), { merge: true });
}

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function instructions(dockerfile: string): Instruction[] {
  const joined = readFileSync(dockerfile, "utf8").replace(/\\\r?\n/g, " ");
  return joined
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const space = l.indexOf(" ");
      return { keyword: l.slice(0, space).toUpperCase(), args: l.slice(space + 1).trim() };
    });
}

function stages(dockerfile: string): string[] {
  return instructions(dockerfile)
    .filter((i) => i.keyword === "FROM")
    .map((i) => /\s+AS\s+(\S+)$/i.exec(i.args)?.[1] ?? "")
    .filter((s) => s !== "");
}

/** The stage a target is built from, and the stages before it, by following FROM <stage>. */
function stageChain(dockerfile: string, target: string): Array<{ name: string; from: string; body: Instruction[] }> {
  const all: Array<{ name: string; from: string; body: Instruction[] }> = [];
  for (const i of instructions(dockerfile)) {
    if (i.keyword === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(i.args);
      all.push({ name: m?.[2] ?? "", from: m?.[1] ?? "", body: [] });
    } else {
      all.at(-1)?.body.push(i);
    }
  }
  const chain = [];
  let name: string | undefined = target;
  while (name) {
    const stage = all.find((s) => s.name === name);
    if (!stage) break;
    chain.push(stage);
    name = stage.from;
  }
  return chain;
}

const compose = ZCompose.parse(loadCompose());
const builds = Object.entries(compose.services).flatMap(([name, s]) => (s.build ? [{ name, ...s.build }] : []));
const dockerfiles = [...new Set(builds.map((b) => path.resolve(ROOT, b.context, b.dockerfile)))];

describe("docker-compose.yml", () => {
  function compileSchema() {
    const ajv = new Ajv({ allErrors: true, strict: false });
    // The schema names draft-07 by its https URL, which Ajv does not know by that spelling; draft-07
    // is Ajv's default dialect, so the schema is compiled as is without its $schema.
    const { $schema: _dialect, ...schema } = z.record(z.string(), z.unknown()).parse(JSON.parse(readFileSync(SCHEMA, "utf8")));
    assert.match(String(_dialect), /draft-07/);
    return ajv.compile(schema);
  }

  it("is valid against the Compose Specification schema", () => {
    const validate = compileSchema();
    const ok = validate(loadCompose());
    assert.ok(ok, `schema errors:\n${JSON.stringify(validate.errors, null, 2)}`);
  });

  it("would reject a misspelled key or a wrongly typed value (the schema check is live)", () => {
    const validate = compileSchema();
    assert.equal(validate({ services: { a: { image: "x", netwrok_mode: "host" } } }), false);
    assert.equal(validate({ services: { a: { image: "x", ports: { bad: true } } } }), false);
    assert.equal(validate({ services: { a: { image: "x", network_mode: "service:b" }, b: { image: "y" } } }), true);
  });

  it("runs PostgreSQL 15, the control plane on it, the console, and every demo service with a sidecar", () => {
    const s = compose.services;
    assert.match(s.postgres?.image ?? "", /^postgres:15(\D|$)/);
    // The database password is generated per install: PostgreSQL and the control plane read it from the secrets volume.
    assert.equal(s.postgres?.environment?.POSTGRES_PASSWORD, undefined, "no database password written here");
    assert.equal(s.postgres?.environment?.POSTGRES_PASSWORD_FILE, "/run/trellis/pg-password");
    assert.ok(s.postgres?.volumes?.includes("trellis-secrets:/run/trellis:ro"), "postgres mounts the secrets read-only");
    assert.equal((s.postgres?.depends_on as Record<string, { condition: string }>).secrets?.condition, "service_completed_successfully");
    assert.equal(s["control-plane"]?.environment?.DATABASE_URL, undefined);
    assert.match(s["control-plane"]?.entrypoint?.join(" ") ?? "", /DATABASE_URL="postgresql:\/\/trellis:\$\$\(cat \/run\/trellis\/pg-password\)@postgres:5432\/trellis"/);
    assert.match(s.secrets?.command?.join(" ") ?? "", /"api-token", "pg-password"/);
    assert.equal(s["control-plane"]?.environment?.TRELLIS_API_HOST, "0.0.0.0");
    assert.ok(s.console);
    for (const app of ["frontend", "catalog", "reviews-v1", "reviews-v2", "ratings", "loadgen"]) {
      assert.ok(s[app], `${app} runs`);
      assert.equal(s[`${app}-sidecar`]?.network_mode, `service:${app}`, `${app}'s sidecar shares its network namespace`);
    }
  });

  it("gives every long-running service a healthcheck, and refers only to services that exist", () => {
    const dependencies = Object.values(compose.services).flatMap((s) => (Array.isArray(s.depends_on) ? [] : Object.entries(s.depends_on ?? {})));
    for (const [name, s] of Object.entries(compose.services)) {
      // A one-shot step (restart "no") is waited for until it completed, not until it is healthy.
      const oneShot = s.restart === "no" && dependencies.some(([dep, c]) => dep === name && c.condition === "service_completed_successfully");
      assert.ok(oneShot || s.healthcheck?.test.length, `${name} has a healthcheck`);
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const dep of deps) assert.ok(compose.services[dep], `${name} depends on ${dep}, which exists`);
      const shared = /^service:(.+)$/.exec(s.network_mode ?? "")?.[1];
      if (shared) assert.ok(compose.services[shared], `${name} joins ${shared}, which exists`);
    }
  });

  it("runs the demo mesh like `trellis demo`: strict mTLS and sidecar auth, a join token per sidecar, no secret in the file", () => {
    const s = compose.services;
    const cp = s["control-plane"]!;
    // The defaults (strict, required) are not turned down.
    assert.equal(cp.environment?.TRELLIS_MTLS_MODE, undefined);
    assert.equal(cp.environment?.TRELLIS_SIDECAR_AUTH, undefined);
    assert.equal(cp.environment?.TRELLIS_API_TOKEN, undefined, "the bootstrap token is generated per install, not written here");
    assert.match(cp.entrypoint?.join(" ") ?? "", /TRELLIS_API_TOKEN="\$\$\(cat \/run\/trellis\/api-token\)"/);
    assert.equal((cp.depends_on as Record<string, { condition: string }>).secrets?.condition, "service_completed_successfully");
    assert.match(s.secrets?.command?.join(" ") ?? "", /randomBytes\(32\)/);
    const minted = s["join-tokens"]?.environment?.TRELLIS_JOIN_SERVICES?.split(" ") ?? [];
    for (const [name, sidecar] of Object.entries(s).filter(([n]) => n.endsWith("-sidecar"))) {
      const service = sidecar.environment?.TRELLIS_SERVICE ?? "";
      assert.ok(minted.includes(service), `a join token is minted for ${name}'s service ${service}`);
      assert.equal(sidecar.environment?.TRELLIS_JOIN_TOKEN, undefined, `${name}: no token written here`);
      assert.match(sidecar.entrypoint?.join(" ") ?? "", /TRELLIS_JOIN_TOKEN="\$\$\(cat "\/run\/trellis\/join-\$\$TRELLIS_SERVICE"\)"/, `${name} reads its token`);
      assert.ok(sidecar.volumes?.includes("trellis-secrets:/run/trellis:ro"), `${name} mounts the secrets read-only`);
      assert.equal((sidecar.depends_on as Record<string, { condition: string }>)["join-tokens"]?.condition, "service_completed_successfully", `${name} waits for its token`);
    }
    // The mint step asks the CA API with the generated bootstrap token, and keeps tokens already minted.
    const mint = s["join-tokens"]?.command?.join(" ") ?? "";
    assert.match(mint, /\/api\/v1\/ca\/join-tokens/);
    assert.match(mint, /readFileSync\("\/run\/trellis\/api-token"/);
    assert.match(mint, /existsSync\(file\)\) continue/);
  });

  it("builds every image from an existing context, Dockerfile and target", () => {
    assert.ok(builds.length >= 4);
    for (const b of builds) {
      const context = path.resolve(ROOT, b.context);
      assert.ok(existsSync(context) && statSync(context).isDirectory(), `${b.name}: context ${b.context} exists`);
      const dockerfile = path.resolve(context, b.dockerfile);
      assert.ok(existsSync(dockerfile), `${b.name}: ${b.dockerfile} exists`);
      if (b.target) assert.ok(stages(dockerfile).includes(b.target), `${b.name}: target ${b.target} is a stage of ${b.dockerfile}`);
    }
  });
});

describe("Dockerfiles", () => {
  it("copy only sources that exist in the build context", () => {
    for (const dockerfile of dockerfiles) {
      const context = path.resolve(ROOT, builds.find((b) => path.resolve(ROOT, b.context, b.dockerfile) === dockerfile)?.context ?? ".");
      for (const i of instructions(dockerfile).filter((x) => x.keyword === "COPY" || x.keyword === "ADD")) {
        const words = i.args.split(/\s+/);
        if (words.some((w) => w.startsWith("--from="))) continue;
        const sources = words.filter((w) => !w.startsWith("--")).slice(0, -1);
        for (const source of sources) {
          const resolved = path.resolve(context, source);
          assert.ok(existsSync(resolved), `${path.relative(ROOT, dockerfile)}: COPY source ${source} exists`);
        }
      }
    }
  });

  it("build on node:20-bookworm-slim with npm ci, and run as a non-root user", () => {
    for (const dockerfile of dockerfiles) {
      const text = readFileSync(dockerfile, "utf8");
      assert.match(text, /node:20-bookworm-slim/);
      assert.match(text, /\bnpm ci\b/);
      for (const target of new Set(builds.map((b) => b.target ?? ""))) {
        if (!target) continue;
        const chain = stageChain(dockerfile, target);
        const user = chain.flatMap((s) => s.body).findLast((i) => i.keyword === "USER")?.args;
        assert.ok(chain[0]?.body.some((i) => i.keyword === "USER"), `target ${target} sets USER itself`);
        assert.ok(user && user !== "root" && user !== "0", `target ${target} runs as ${user ?? "root"}`);
      }
    }
  });

  it("are multi-stage, copying only what the final image needs from the build stages", () => {
    for (const dockerfile of dockerfiles) assert.ok(stages(dockerfile).length >= 3, `${path.relative(ROOT, dockerfile)} is multi-stage`);
  });
});
