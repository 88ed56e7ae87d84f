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

const WINDOW_MS: Record<WindowChoice, number> = {
  "1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "6h": 21_600_000, "24h": 86_400_000, "7d": 604_800_000,
};

export function windowMs(choice: WindowChoice): number {
  return WINDOW_MS[choice];
}

/** `window=custom` with `from` and `to` (ISO instants) picks a fixed range instead of a look-back. */
export const CUSTOM_WINDOW = "custom";
/** The longest custom range the API serves. */
export const MAX_CUSTOM_MS = WINDOW_MS["7d"];

export interface CustomRange {
  fromMs: number;
  toMs: number;
}

/**
 * The custom range in the URL, or null when there is none or it is unusable (unparsable, reversed,
 * longer than 7 days, or starting in the future): the page then falls back to a look-back window.
 */
export function readCustomRange(params: Params, nowMs: number): CustomRange | null {
  if (params.get("window") !== CUSTOM_WINDOW) return null;
  const fromMs = Date.parse(params.get("from") ?? "");
  const toMs = Date.parse(params.get("to") ?? "");
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs <= fromMs || toMs - fromMs > MAX_CUSTOM_MS || fromMs > nowMs) return null;
  return { fromMs, toMs };
}

/**
 * The APIs that only look back from now (graph, services) get the shortest window that still
 * reaches back to the custom range's start.
 */
export function coveringWindow(range: CustomRange, nowMs: number): WindowChoice {
  const back = nowMs - range.fromMs;
  return WINDOW_CHOICES.find((c) => WINDOW_MS[c] >= back) ?? "7d";
}

/** The URL changes that set a custom range; the look-back picker clears `from` and `to` again. */
export function customRangeChanges(range: CustomRange): Array<[string, string]> {
  return [["window", CUSTOM_WINDOW], ["from", new Date(range.fromMs).toISOString()], ["to", new Date(range.toMs).toISOString()]];
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
export const GLOBAL_PARAMS = ["window", "from", "to", "refresh"] as const;

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
