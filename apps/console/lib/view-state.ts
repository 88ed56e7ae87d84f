// View state that lives in the URL (so every view can be bookmarked): the choices, their defaults,
// and the pure reads/writes of URLSearchParams. Defaults are left out of the URL to keep it short.

export const WINDOW_CHOICES = ["1m", "5m", "15m", "1h", "6h", "24h", "7d"] as const;
export type WindowChoice = (typeof WINDOW_CHOICES)[number];
export const DEFAULT_WINDOW: WindowChoice = "5m";

/** The API's duration grammar has no days, so "7d" travels as "168h". */
export function apiWindow(choice: WindowChoice): string {
  return choice === "7d" ? "168h" : choice;
}

/** How the window reads in prose: "No traffic in the last 5m". */
export function windowPhrase(choice: WindowChoice): string {
  return choice === "7d" ? "7 days" : choice === "24h" ? "24 hours" : choice;
}

export const REFRESH_CHOICES = ["off", "5s", "10s", "30s", "1m"] as const;
export type RefreshChoice = (typeof REFRESH_CHOICES)[number];
export const DEFAULT_REFRESH: RefreshChoice = "5s";

const REFRESH_MS: Record<RefreshChoice, number | false> = { off: false, "5s": 5000, "10s": 10_000, "30s": 30_000, "1m": 60_000 };

export function refreshIntervalMs(choice: RefreshChoice): number | false {
  return REFRESH_MS[choice];
}

export type SortDirection = "asc" | "desc";
export const SORT_DIRECTIONS = ["asc", "desc"] as const;

/** Params every page shares; carried along when navigating between pages. */
export const GLOBAL_PARAMS = ["window", "refresh"] as const;

type Params = Pick<URLSearchParams, "get">;

/** Reads a param restricted to known choices; anything else (absent, typo, old bookmark) is the fallback. */
export function readChoice<T extends string>(params: Params, key: string, choices: readonly T[], fallback: T): T {
  const value = params.get(key);
  return choices.find((c) => c === value) ?? fallback;
}

export function readText(params: Params, key: string): string {
  return params.get(key) ?? "";
}

/** A new query string with `key` set; the default value (or "") removes the key instead. */
export function withParam(params: URLSearchParams, key: string, value: string, defaultValue = ""): string {
  const next = new URLSearchParams(params);
  if (value === defaultValue || value === "") next.delete(key);
  else next.set(key, value);
  return queryString(next);
}

/** Several changes at once, same rules as withParam. */
export function withParams(params: URLSearchParams, changes: ReadonlyArray<[key: string, value: string, defaultValue?: string]>): string {
  let next = new URLSearchParams(params);
  for (const [key, value, defaultValue] of changes) next = new URLSearchParams(withParam(next, key, value, defaultValue));
  return queryString(next);
}

/** The href of another page that keeps the global params (window, refresh) of this one, plus `extra`. */
export function hrefKeepingGlobals(pathname: string, params: URLSearchParams, extra: Record<string, string> = {}): string {
  const kept = new URLSearchParams();
  for (const key of GLOBAL_PARAMS) {
    const value = params.get(key);
    if (value !== null) kept.set(key, value);
  }
  for (const [key, value] of Object.entries(extra)) kept.set(key, value);
  return `${pathname}${queryString(kept)}`;
}

function queryString(params: URLSearchParams): string {
  params.sort();
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}
