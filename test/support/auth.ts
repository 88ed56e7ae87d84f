// Operator credentials for cross-process tests: a random admin password and bootstrap API token to
// hand to a control plane (env), bearer fetches of the operator API, and logging in through the
// console's real login page in a browser.
import { randomBytes } from "node:crypto";
import type { Page } from "playwright-core";

export interface OperatorCredentials {
  adminPassword: string;
  /** An admin bearer token (TRELLIS_API_TOKEN). */
  token: string;
  /** Env for the control plane (or `trellis up` / `trellis demo`): TRELLIS_ADMIN_PASSWORD and TRELLIS_API_TOKEN. */
  env: Record<string, string>;
  /** `{ authorization: "Bearer …" }`. */
  headers: Record<string, string>;
}

export function operatorCredentials(): OperatorCredentials {
  const adminPassword = randomBytes(12).toString("base64url");
  const token = randomBytes(32).toString("base64url");
  return {
    adminPassword,
    token,
    env: { TRELLIS_ADMIN_PASSWORD: adminPassword, TRELLIS_API_TOKEN: token },
    headers: { authorization: `Bearer ${token}` },
  };
}

/** fetch with a bearer token added to `init`'s headers. */
export function fetchAs(token: string, url: string | URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  return fetch(url, { ...init, headers });
}

/** Creates a user through the API (needs an admin token). */
export async function createUser(api: string, token: string, username: string, password: string, role: "viewer" | "editor" | "admin"): Promise<void> {
  const res = await fetchAs(token, `${api}/api/v1/users`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password, role }) });
  if (res.status !== 201) throw new Error(`creating user ${username} answered ${res.status}: ${await res.text()}`);
}

/** Logs in through the console's login page, as an operator would, and waits to land on `next`. */
export async function loginInBrowser(page: Page, consoleUrl: string, username: string, password: string, next = "/"): Promise<void> {
  await page.goto(`${consoleUrl}/login?next=${encodeURIComponent(next)}`);
  await page.locator('[data-test="login-username"]').fill(username);
  await page.locator('[data-test="login-password"]').fill(password);
  await page.locator('[data-test="login-submit"]').click();
  const path = next.split("?")[0]!;
  await page.waitForURL((url) => url.pathname === path, { timeout: 15_000 });
  await page.locator('[data-test="user-menu"]').waitFor({ timeout: 15_000 });
}
