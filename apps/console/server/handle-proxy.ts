// The route handlers' shared body: forward with the runtime config, map proxy errors to HTTP.
import { consoleServerConfig } from "./config";
import { forwardToApi } from "./proxy";
import { proxyErrorResponse, UpstreamTimeoutError, UpstreamUnreachableError } from "./proxy-errors";

export async function handleProxy(request: Request): Promise<Response> {
  const { apiUrl, upstreamTimeoutMs } = consoleServerConfig();
  try {
    return await forwardToApi(request, { apiUrl, timeoutMs: upstreamTimeoutMs });
  } catch (error) {
    if (error instanceof UpstreamUnreachableError || error instanceof UpstreamTimeoutError) {
      return proxyErrorResponse(error);
    }
    throw error;
  }
}
