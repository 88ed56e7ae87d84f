// Retries per the route's policy: bounded by attempts, by the destination's retry budget and by the
// request's deadline; only idempotent methods unless the route allows others; exponential backoff
// with full jitter. Each try re-runs the inner layers (per-try timeout, balance, forward), and the
// balancer avoids the previous try's endpoint. Bodies are buffered for replay up to 64 KiB; a larger
// body streams and gets one try. A response that is retried is drained and dropped.
import { Readable } from "node:stream";
import { BadRequestError, ClientAbortedError, ProxyError } from "../errors";
import { callNext, type Handler, type Layer, type ProxyRequest, type ProxyResponse } from "../http/proxy-types";
import type { Logger } from "../log";
import { bufferForRetry, MAX_RETRY_BODY } from "../retry/replayable-body";
import { RetryBudgets, type RetryBudget } from "../retry/retry-budget";
import { backoffMs, type RetryRules } from "../retry/retry-rules";
import { sleep, systemClock, type Clock, type Random } from "../time/clock";

export interface RetryDeps {
  clock?: Clock;
  random?: Random;
  budgets?: RetryBudgets;
  log?: Logger;
}

export function retryLayer({ clock = systemClock, random = Math.random, budgets = new RetryBudgets(), log }: RetryDeps = {}): Layer {
  // Not async itself: the retrying path is one async frame (retrying), not two.
  return (next) => (req) => {
    const { route, destination } = req.ctx;
    if (!route || !destination) return next(req);
    const budget = budgets.of(destination.name);
    const rules = route.retry;
    if (rules.attempts > 1 && rules.mayRetry(req.method)) {
      if (req.body instanceof Readable) return retrying(req, next, rules, budget, clock, random, log);
      // The usual request: no body to buffer, and a first try that is not retried (not retriable, or
      // fine). That first try is followed with one then(); the async loop takes over only for a retry.
      // One async frame fewer per request (docs/benchmarks.md).
      budget.active++;
      req.ctx.tries = 1;
      return callNext(next, req).then(
        (res) => {
          if (rules.retriesStatus(res.status)) return retrying(req, next, rules, budget, clock, random, log, { res, failure: undefined });
          budget.active--;
          return res;
        },
        (failure: unknown) => {
          if (rules.retriesError(failure)) return retrying(req, next, rules, budget, clock, random, log, { res: undefined, failure });
          budget.active--;
          throw failure;
        },
      );
    }
    budget.active++;
    let pending: Promise<ProxyResponse>;
    try {
      pending = next(req);
    } catch (err) {
      budget.active--;
      throw err;
    }
    return pending.finally(() => budget.active--);
  };
}

/** How a try ended: its response, or else its failure. */
interface Tried {
  res: ProxyResponse | undefined;
  failure: unknown;
}

/**
 * The tries of one request, in one async frame. With `first`, the first try was made already (by the
 * layer, for a request without a streamed body) and the request is already counted in `budget.active`.
 */
async function retrying(req: ProxyRequest, next: Handler, rules: RetryRules, budget: RetryBudget, clock: Clock, random: Random, log: Logger | undefined, first?: Tried): Promise<ProxyResponse> {
  // In flight for the budget from here until the answer (or failure) is settled.
  if (first === undefined) budget.active++;
  let holding = false;
  try {
    let tryReq = req;
    if (first === undefined && req.body instanceof Readable) {
      const body = await bufferForRetry(req.body, req.headers).catch((err: unknown) => {
        throw req.signal.aborted ? new ClientAbortedError("the caller closed the connection", { cause: err }) : new BadRequestError("cannot read the request body", { cause: err });
      });
      // Too large to keep a copy: one try, streamed.
      if (body.kind === "streaming") return await next({ ...req, body: body.body });
      tryReq = { ...req, body: body.bytes };
    }
    for (let tries = 1; ; tries++) {
      req.ctx.tries = tries;
      let res: ProxyResponse | undefined;
      let failure: unknown;
      if (tries === 1 && first !== undefined) ({ res, failure } = first);
      else {
        try {
          res = await next(tryReq);
        } catch (err) {
          failure = err;
        }
      }
      if (holding) {
        budget.release();
        holding = false;
      }
      const retriable = res ? rules.retriesStatus(res.status) : rules.retriesError(failure);
      if (!retriable || tries >= rules.attempts || req.signal.aborted) return settle(res, failure);
      const delay = backoffMs(rules, tries, random);
      const deadline = req.ctx.deadline;
      // A retry that could not start before the deadline would only turn this answer into a timeout.
      if (deadline !== undefined && clock.now() + delay >= deadline) return settle(res, failure);
      if (!budget.tryAcquire(rules.budgetPercent, rules.budgetMinConcurrent)) {
        req.ctx.budgetExhausted = true;
        log?.debug("retry_budget_exhausted", { requestId: req.ctx.requestId, service: req.ctx.destination?.name, active: budget.active, retrying: budget.retrying });
        return settle(res, failure);
      }
      holding = true;
      if (res) discard(res.body);
      if (delay > 0) {
        await sleep(clock, delay, req.signal).catch((reason: unknown) => {
          throw reason instanceof ProxyError ? reason : new ClientAbortedError("the caller closed the connection", { cause: reason });
        });
      }
    }
  } finally {
    if (holding) budget.release();
    budget.active--;
  }
}

function settle(res: ProxyResponse | undefined, failure: unknown): ProxyResponse {
  if (res) return res;
  throw failure;
}

/** Reads and drops a retried response's body so its connection can be reused; a long one is cut off instead. */
function discard(body: ProxyResponse["body"]): void {
  if (!(body instanceof Readable)) return;
  let seen = 0;
  body.on("error", () => {});
  body.on("data", (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > MAX_RETRY_BODY) body.destroy();
  });
}
