// `trellis demo --no-console` end to end: a control plane, five demo services and loadgen, each with
// its own sidecar, all real processes on loopback. Within 30 s of "ready" the graph API shows the
// traffic; SIGTERM then stops every process the demo started.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { ZGraphResponse, ZPolicyRevisionsResponse, type GraphResponse } from "@trellis/mesh-model";
import { request } from "undici";
import { z } from "zod";
import { operatorCredentials } from "../support/auth";
import { runTrellis } from "../support/cli";
import { runningDescendants, stillRunning } from "../support/process-tree";
import { waitFor } from "../support/processes";

const ZReady = z.object({ event: z.literal("ready"), apiPort: z.int(), console: z.null() });

const EXPECTED_EDGES = ["loadgen->frontend", "frontend->catalog", "catalog->reviews"];

/** Services that appear on an edge with traffic. */
function servicesWithTraffic(graph: GraphResponse): Set<string> {
  return new Set(graph.edges.filter((e) => e.requestRate > 0).flatMap((e) => [e.source, e.target]));
}

describe("trellis demo --no-console", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "trellis-demo-"));
  // The demo generates its own token; the test hands it one so that it can read the API too.
  const operator = operatorCredentials();
  const { cli, exited, ready, logs, kill } = runTrellis(["demo", "--no-console", "--api-port", "0", "--otlp-http-port", "0", "--data-dir", dir, "--rate", "10"], ZReady, { TRELLIS_LOG_LEVEL: "info", TRELLIS_API_TOKEN: operator.token });

  after(async () => {
    await kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("brings the mesh up and shows traffic between at least four services within 30 s", async () => {
    const { apiPort } = await ready;
    const api = `http://127.0.0.1:${apiPort}`;
    const graph = await waitFor(
      "the graph to show traffic among four services, loadgen -> frontend -> catalog -> reviews",
      async () => {
        const res = await request(`${api}/api/v1/graph?window=1m`, { headers: operator.headers });
        const parsed = ZGraphResponse.parse(await res.body.json());
        const busy = parsed.edges.filter((e) => e.requestRate > 0).map((e) => e.id);
        const complete = EXPECTED_EDGES.every((id) => busy.includes(id));
        return parsed.nodes.length >= 4 && servicesWithTraffic(parsed).size >= 4 && complete ? parsed : undefined;
      },
      30_000,
      1_000,
    );
    const edges = graph.edges.filter((e) => e.requestRate > 0).map((e) => e.id);
    for (const edge of EXPECTED_EDGES) assert.ok(edges.includes(edge), `${edge} carries traffic: ${edges.join(", ")}`);
    // Every sidecar joined with a join token the demo minted: the mesh is strict mutual TLS.
    for (const e of graph.edges.filter((x) => x.requestRate > 0)) assert.ok(e.mtlsShare >= 0.99, `${e.id} carried ${e.mtlsShare} over mTLS`);
  });

  it("runs reviews v2 as a canary through the policy API, so ratings gets traffic too", async () => {
    const { apiPort } = await ready;
    const api = `http://127.0.0.1:${apiPort}`;
    const res = await request(`${api}/api/v1/policies/reviews/revisions`, { headers: operator.headers });
    const { revisions } = ZPolicyRevisionsResponse.parse(await res.body.json());
    assert.equal(revisions.length, 1);
    assert.equal(revisions[0]!.author, "token:bootstrap");
    await waitFor("reviews -> ratings to carry traffic", async () => {
      const graph = ZGraphResponse.parse(await (await request(`${api}/api/v1/graph?window=1m`, { headers: operator.headers })).body.json());
      return graph.edges.some((e) => e.id === "reviews->ratings" && e.requestRate > 0) ? true : undefined;
    }, 20_000, 1_000);
  });

  it("stops every process it started on SIGTERM", async () => {
    await ready;
    const children = runningDescendants(cli.pid ?? -1);
    assert.ok(children.length >= 13, `a control plane and 12 mesh processes run under trellis (found ${children.length})`);
    cli.kill("SIGTERM");
    const [code] = await exited;
    assert.equal(code, 0, logs.slice(-30).join("\n"));
    assert.deepEqual(stillRunning(children), [], "no process outlives trellis demo");
    assert.ok(logs.some((l) => l.includes('"event":"stopped"') && l.includes('"proc":"trellis"')));
  });
});
