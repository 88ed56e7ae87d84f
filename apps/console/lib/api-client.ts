// The console's only door to the control plane: same-origin GETs through the console's proxy,
// every answer parsed with the mesh-model schemas. Components reach it through TanStack Query hooks.
import { z } from "zod";
import {
  CONSOLE_API, POLICY_API, SERIES_API, ZApiError, ZPoliciesResponse, ZServiceSeriesResponse, ZCurrentPolicyResponse, ZGraphResponse, ZPolicyDiffResponse, ZPolicyPreviewResponse,
  ZPolicyRevision, ZPolicyRevisionsResponse, ZServicesResponse, ZSidecarsResponse,
  type CurrentPolicyResponse, type PoliciesResponse, type ServiceSeriesResponse, type GraphResponse, type PolicyDiffResponse, type PolicyPreviewResponse, type PolicyRevision,
  type PolicyRevisionsResponse, type PutPolicyRequest, type RollbackRequest, type ServicesResponse, type SidecarsResponse,
} from "@trellis/mesh-model";
import { AUTH_API, ZSessionResponse, type LoginRequest, type SessionResponse } from "@trellis/mesh-model";
import { ENDPOINTS_API, ZServiceEndpointsResponse, type ServiceEndpointsResponse } from "@trellis/mesh-model";
import { ApiSchemaError, ApiStatusError, ApiUnreachableError } from "./api-errors";

/** Codes the console's proxy answers with when it cannot reach the control plane. */
const UNREACHABLE_CODES = new Set(["upstream_unreachable", "upstream_timeout"]);

/** Turns a status and body text into typed data or a typed error. Pure, so it is tested directly. */
export function parseApiResponse<T>(status: number, bodyText: string, schema: z.ZodType<T>, what: string): T {
  const json = parseJson(bodyText);
  if (status < 200 || status > 299) {
    const apiError = ZApiError.safeParse(json);
    if (!apiError.success) throw new ApiStatusError(`${what}: the API answered HTTP ${status}.`, status, undefined);
    const { code, message, path } = apiError.data.error;
    if (UNREACHABLE_CODES.has(code)) throw new ApiUnreachableError(message);
    throw new ApiStatusError(message, status, code, path);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ApiSchemaError(`${what}: the API answered with data this console does not understand.\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The same-origin URL of a GET; the graph page's server render preloads exactly these URLs. */
export function apiGetUrl(path: string, query: Record<string, string> = {}): string {
  const search = new URLSearchParams(query).toString();
  return search === "" ? path : `${path}?${search}`;
}

function getJson<T>(path: string, query: Record<string, string>, schema: z.ZodType<T>, what: string, signal?: AbortSignal): Promise<T> {
  return request(apiGetUrl(path, query), { headers: { accept: "application/json" }, signal }, schema, what);
}

/** A state-changing request with a JSON body (same origin, so the control plane can check it). */
function sendJson<T>(method: "POST" | "PUT", path: string, body: unknown, schema: z.ZodType<T>, what: string): Promise<T> {
  const init = { method, headers: { accept: "application/json", "content-type": "application/json" }, body: JSON.stringify(body) };
  return request(path, init, schema, what);
}

async function request<T>(url: string, init: RequestInit, schema: z.ZodType<T>, what: string): Promise<T> {
  const signal = init.signal ?? undefined;
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiUnreachableError("The console server is unreachable; is it still running?");
  }
  if (response.status === 401) redirectToLogin();
  return parseApiResponse(response.status, await response.text(), schema, what);
}

/** The API said "log in first": go to the login page, which comes back here afterwards. */
function redirectToLogin(): void {
  if (typeof window === "undefined" || window.location.pathname === "/login") return;
  const next = `${window.location.pathname}${window.location.search}`;
  window.location.assign(`/login?next=${encodeURIComponent(next)}`);
}

/** Who is logged in; a 401 here sends the browser to the login page. */
export function fetchSession(signal?: AbortSignal): Promise<SessionResponse> {
  return getJson(AUTH_API.session, {}, ZSessionResponse, "Session", signal);
}

/** Logs in (the control plane sets the HttpOnly session cookie); a wrong password is an ApiStatusError 401. */
export async function login(body: LoginRequest): Promise<SessionResponse> {
  const init = { method: "POST", headers: { accept: "application/json", "content-type": "application/json" }, body: JSON.stringify(body) };
  let response: Response;
  try {
    response = await fetch(AUTH_API.session, init);
  } catch {
    throw new ApiUnreachableError("The console server is unreachable; is it still running?");
  }
  return parseApiResponse(response.status, await response.text(), ZSessionResponse, "Log in");
}

export async function logout(): Promise<void> {
  await fetch(AUTH_API.session, { method: "DELETE", headers: { accept: "application/json" } }).catch(() => undefined);
}

export function fetchServices(window: string, signal?: AbortSignal): Promise<ServicesResponse> {
  return getJson(CONSOLE_API.services, { window }, ZServicesResponse, "Services", signal);
}

export function fetchGraph(window: string, signal?: AbortSignal): Promise<GraphResponse> {
  return getJson(CONSOLE_API.graph, { window }, ZGraphResponse, "Service graph", signal);
}

/** One service's time series: a look-back `window`, or a fixed `from`/`to` range (ISO instants). */
export function fetchServiceSeries(service: string, range: { window: string } | { from: string; to: string }, signal?: AbortSignal): Promise<ServiceSeriesResponse> {
  return getJson(SERIES_API.series(service), { ...range }, ZServiceSeriesResponse, "Service series", signal);
}

/** A service's endpoints with the breaker state its callers' sidecars report; ejections over `window`. */
export function fetchServiceEndpoints(service: string, window: string, signal?: AbortSignal): Promise<ServiceEndpointsResponse> {
  return getJson(ENDPOINTS_API.endpoints(service), { window }, ZServiceEndpointsResponse, "Service endpoints", signal);
}

/** The latest policy revision of every service that has one. */
export function fetchPolicies(signal?: AbortSignal): Promise<PoliciesResponse> {
  return getJson(POLICY_API.policies, {}, ZPoliciesResponse, "Policies", signal);
}

export function fetchSidecars(signal?: AbortSignal): Promise<SidecarsResponse> {
  return getJson(CONSOLE_API.sidecars, {}, ZSidecarsResponse, "Sidecars", signal);
}

export function fetchPolicy(service: string, signal?: AbortSignal): Promise<CurrentPolicyResponse> {
  return getJson(POLICY_API.policy(service), {}, ZCurrentPolicyResponse, "Policy", signal);
}

export function fetchPolicyRevisions(service: string, signal?: AbortSignal): Promise<PolicyRevisionsResponse> {
  return getJson(POLICY_API.revisions(service), {}, ZPolicyRevisionsResponse, "Policy history", signal);
}

export function fetchPolicyDiff(service: string, from: number, to: number, signal?: AbortSignal): Promise<PolicyDiffResponse> {
  return getJson(POLICY_API.diff(service), { from: String(from), to: String(to) }, ZPolicyDiffResponse, "Policy diff", signal);
}

/** A dry run: the spec is not saved. Any JSON may be sent; the answer lists its issues. */
export function previewPolicy(service: string, spec: unknown): Promise<PolicyPreviewResponse> {
  return sendJson("POST", POLICY_API.preview(service), spec, ZPolicyPreviewResponse, "Policy preview");
}

export function putPolicy(service: string, body: PutPolicyRequest): Promise<PolicyRevision> {
  return sendJson("PUT", POLICY_API.policy(service), body, ZPolicyRevision, "Apply policy");
}

export function rollbackPolicy(service: string, body: RollbackRequest): Promise<PolicyRevision> {
  return sendJson("POST", POLICY_API.rollback(service), body, ZPolicyRevision, "Roll back policy");
}
