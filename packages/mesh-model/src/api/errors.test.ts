import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { ZPolicySpec } from "../policy/spec";
import { fieldIssuesToApiError, flattenZodIssues, formatFieldIssues, issuePath, ZApiError, zodIssuesToApiError } from "./errors";

function zodError(schema: z.ZodType, input: unknown): z.ZodError {
  const r = schema.safeParse(input);
  assert.equal(r.success, false);
  return r.error!;
}

describe("issuePath", () => {
  it("joins segments with dots", () => {
    assert.equal(issuePath(["routes", 0, "backends", 1, "weight"]), "routes.0.backends.1.weight");
    assert.equal(issuePath([]), "");
  });
});

describe("flattenZodIssues", () => {
  it("reports each unknown key at its own path", () => {
    const issues = flattenZodIssues(zodError(ZPolicySpec, { service: "a", retry: { tries: 3, attempts: 2, jitter: true } }).issues);
    assert.deepEqual(issues, [
      { path: "retry.tries", code: "unrecognized_keys", message: 'unknown field "tries"' },
      { path: "retry.jitter", code: "unrecognized_keys", message: 'unknown field "jitter"' },
    ]);
  });

  it("descends into the union branch the input was meant for", () => {
    const issues = flattenZodIssues(zodError(ZPolicySpec, { service: "a", routes: [{ match: { headers: [{ name: "x", exact: 3 }] } }] }).issues);
    assert.deepEqual(issues.map((i) => i.path), ["routes.0.match.headers.0.exact"]);
  });

  it("stays at the union and lists the forms when no branch stands out", () => {
    const [issue, ...rest] = flattenZodIssues(zodError(ZPolicySpec, { service: "a", routes: [{ match: { headers: [{ name: "x" }] } }] }).issues);
    assert.equal(rest.length, 0);
    assert.equal(issue!.path, "routes.0.match.headers.0");
    assert.equal(issue!.code, "invalid_union");
    for (const form of ["exact", "prefix", "regex", "present"]) assert.match(issue!.message, new RegExp(`${form}:`));
  });

  it("keeps record key paths", () => {
    const issues = flattenZodIssues(zodError(z.record(z.string().max(2), z.number()), { abc: 1, ok: "x" }).issues);
    assert.deepEqual(issues.map((i) => `${i.path} ${i.code}`), ["abc invalid_key", "ok invalid_type"]);
  });
});

describe("zodIssuesToApiError", () => {
  it("gives the first issue's path and lists every issue with its path", () => {
    const body = zodIssuesToApiError(zodError(ZPolicySpec, { service: "Orders", routes: [{ backends: [{ version: "v1", weight: -1 }] }], extra: true }));
    assert.deepEqual(ZApiError.parse(body), body);
    assert.equal(body.error.code, "invalid_body");
    assert.equal(body.error.path, "service");
    assert.equal(
      body.error.message,
      "service: must be a DNS label: a-z, 0-9 and '-', 1-63 characters; " +
        "routes.0.backends.0.weight: Too small: expected number to be >=0; " +
        'extra: unknown field "extra"',
    );
  });

  it("takes a code and leaves out the path when the whole value is wrong", () => {
    const body = zodIssuesToApiError(zodError(ZPolicySpec, 42), "invalid_policy");
    assert.deepEqual(body, { error: { code: "invalid_policy", message: "(root): Invalid input: expected object, received number" } });
  });

  it("bounds the message for very many issues", () => {
    const body = zodIssuesToApiError(zodError(z.array(z.string()), Array.from({ length: 30 }, (_, i) => i)));
    assert.equal(body.error.path, "0");
    assert.match(body.error.message, /^0: .*; 19: [^;]*; and 10 more$/);
  });
});

describe("fieldIssuesToApiError and formatFieldIssues", () => {
  it("turns semantic issues into the same body", () => {
    const issues = [
      { path: "routes.1.backends.0.version", code: "unknown_version", message: 'service "a" has no version "v9"' },
      { path: "retry.backoff.base", code: "backoff_base_above_max", message: "base is above max" },
    ];
    assert.deepEqual(fieldIssuesToApiError(issues, "invalid_policy"), {
      error: {
        code: "invalid_policy",
        path: "routes.1.backends.0.version",
        message: 'routes.1.backends.0.version: service "a" has no version "v9"; retry.backoff.base: base is above max',
      },
    });
    assert.equal(formatFieldIssues([]), "");
    assert.deepEqual(fieldIssuesToApiError([]), { error: { code: "invalid_body", message: "invalid input" } });
  });
});
