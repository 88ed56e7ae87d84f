// Join tokens for the demo's sidecars, minted through the control plane's CA API like an operator
// would (with the demo's bootstrap API token): one per service, so every sidecar gets an identity
// and the mesh runs strict mutual TLS, its default.
import { CA_API, ZJoinTokenResponse } from "@trellis/mesh-model";

export async function mintJoinToken(apiUrl: string, apiToken: string, service: string): Promise<string> {
  const res = await fetch(new URL(CA_API.joinTokens, apiUrl), {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiToken}` },
    body: JSON.stringify({ service }),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 201) throw new Error(`POST ${CA_API.joinTokens} for ${service} answered ${res.status}: ${await res.text()}`);
  const { token } = ZJoinTokenResponse.parse(await res.json());
  if (token === undefined) throw new Error(`POST ${CA_API.joinTokens} for ${service}: the answer holds no token`);
  return token;
}

/** One token per distinct service of `services` (versions of a service share their identity). */
export async function mintJoinTokens(apiUrl: string, apiToken: string, services: readonly string[]): Promise<Map<string, string>> {
  const distinct = [...new Set(services)];
  const tokens = await Promise.all(distinct.map((s) => mintJoinToken(apiUrl, apiToken, s)));
  return new Map(distinct.map((s, i) => [s, tokens[i]!]));
}
