// The seam where operator authentication will attach credentials to proxied API calls.
// Today the console has no login: an `Authorization` header the browser (or a script) sends is
// passed through unchanged. When console sessions arrive, this is the one function that turns a
// session cookie into the control plane's credentials.

export function upstreamAuthHeaders(request: Request): Record<string, string> {
  const authorization = request.headers.get("authorization");
  return authorization === null ? {} : { authorization };
}
