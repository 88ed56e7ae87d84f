// An open-loop load generator for the cross-process scenarios: sends at a fixed rate from the test
// process (not "as fast as answers come back"), so a slow mesh cannot lower the load it is given,
// and reports how much it actually sent so a test can refuse to pass on a machine too loaded to send it.
import { Agent, request } from "undici";

export interface LoadOptions {
  /** Requests per second. */
  rate: number;
  durationMs: number;
  /** Base URL (a sidecar's outbound port). */
  url: string;
  host: string;
  path?: string | ((i: number) => string);
  method?: string;
  headers?: Record<string, string>;
  /** A request body, made per request. */
  body?: () => string;
  /** Checks one answer; a returned string is a failure reason. 2xx is required unless `accept` says otherwise. */
  check?: (r: LoadReply) => string | undefined;
  accept?: (status: number) => boolean;
  /** Stops sending early (the run still waits for answers in flight). */
  signal?: AbortSignal;
  /** Per request, so a hung request cannot hold the run. */
  timeoutMs?: number;
}

export interface LoadReply {
  i: number;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
  sentAt: number;
}

export interface LoadResult {
  target: number;
  sent: number;
  /** Wall time of the sending phase. */
  sendingMs: number;
  /** sent / the intended number for the time spent sending. */
  achievedRate: number;
  answered: number;
  statuses: Record<string, number>;
  failures: { i: number; reason: string; at: number }[];
  latenciesMs: number[];
}

export function summary(r: LoadResult): string {
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  const p = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1) : "-");
  return `${r.sent} sent at ${r.achievedRate.toFixed(1)}/s (target ${r.target}/s over ${(r.sendingMs / 1000).toFixed(1)} s), ` +
    `${r.answered} answered, statuses ${JSON.stringify(r.statuses)}, ${r.failures.length} failed, p50 ${p(0.5)} ms p99 ${p(0.99)} ms` +
    (r.failures.length ? `; first failures: ${JSON.stringify(r.failures.slice(0, 5))}` : "");
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  // Idle connections are closed by this client well before the sidecar would close them (it keeps
  // them 60 s): a client that reuses a connection the server may be closing can lose the request.
  const agent = new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 10_000, connections: 512 });
  const result: LoadResult = { target: o.rate, sent: 0, sendingMs: 0, achievedRate: 0, answered: 0, statuses: {}, failures: [], latenciesMs: [] };
  const inflight = new Set<Promise<void>>();
  const start = performance.now();
  const one = async (i: number) => {
    const sentAt = performance.now();
    const path = typeof o.path === "function" ? o.path(i) : (o.path ?? "/");
    try {
      const res = await request(`${o.url}${path}`, {
        method: (o.method ?? "GET") as "GET",
        headers: { host: o.host, ...o.headers },
        body: o.body?.(),
        dispatcher: agent,
        headersTimeout: o.timeoutMs ?? 30_000,
        bodyTimeout: o.timeoutMs ?? 30_000,
      });
      const body = await res.body.text();
      const ms = performance.now() - sentAt;
      result.answered++;
      result.latenciesMs.push(ms);
      result.statuses[res.statusCode] = (result.statuses[res.statusCode] ?? 0) + 1;
      const ok = o.accept ? o.accept(res.statusCode) : res.statusCode >= 200 && res.statusCode < 300;
      const reason = !ok
        ? `status ${res.statusCode} ${String(res.headers["x-trellis-error"] ?? "")} ${body.slice(0, 200)}`
        : o.check?.({ i, status: res.statusCode, headers: res.headers, body, ms, sentAt });
      if (reason) result.failures.push({ i, reason, at: Math.round(sentAt - start) });
    } catch (err) {
      result.failures.push({ i, reason: `request error: ${err instanceof Error ? err.message : String(err)}`, at: Math.round(sentAt - start) });
    }
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - start;
      const due = Math.min(Math.floor((elapsed / 1000) * o.rate), Math.floor((o.durationMs / 1000) * o.rate));
      while (result.sent < due) {
        const p = one(result.sent++);
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
      }
      if (elapsed >= o.durationMs || o.signal?.aborted) {
        clearInterval(timer);
        result.sendingMs = performance.now() - start;
        resolve();
      }
    };
    const timer = setInterval(tick, 5);
  });
  await Promise.all([...inflight]);
  await agent.close();
  result.achievedRate = result.sent / (result.sendingMs / 1000);
  return result;
}
