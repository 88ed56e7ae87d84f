// The demo's starting policy: reviews v2 as a 20% canary. Without it the latency-based balancer
// (peak-EWMA, the default) rightly sends nearly everything to the faster v1 and the graph shows
// little of v2 and ratings. Applied once per database through the policy API, like an operator
// would (with the demo's bootstrap API token); a database that already has a reviews history (edited
// or reset) is left alone.
import { POLICY_API, ZPolicyRevisionsResponse, type PutPolicyRequest } from "@trellis/mesh-model";

export const DEMO_CANARY: PutPolicyRequest = {
  spec: {
    service: "reviews",
    routes: [{ name: "canary", backends: [{ version: "v1", weight: 80 }, { version: "v2", weight: 20 }] }],
  },
  message: "demo: canary reviews v2 at 20%",
};

/** Returns true when the canary was applied, false when reviews already had a policy history. */
export async function seedDemoPolicies(apiUrl: string, apiToken: string): Promise<boolean> {
  const service = DEMO_CANARY.spec.service;
  const authorization = `Bearer ${apiToken}`;
  const history = await fetch(new URL(POLICY_API.revisions(service), apiUrl), { headers: { authorization } });
  if (!history.ok) throw new Error(`GET ${POLICY_API.revisions(service)} answered ${history.status}: ${await history.text()}`);
  if (ZPolicyRevisionsResponse.parse(await history.json()).revisions.length > 0) return false;
  const put = await fetch(new URL(POLICY_API.policy(service), apiUrl), {
    method: "PUT",
    headers: { "content-type": "application/json", authorization },
    body: JSON.stringify(DEMO_CANARY),
  });
  if (!put.ok) throw new Error(`PUT ${POLICY_API.policy(service)} answered ${put.status}: ${await put.text()}`);
  return true;
}
