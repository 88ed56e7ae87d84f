// The order of the layers, written here and nowhere else. Outermost first; forward is innermost.
//
//   outbound: rescue → telemetry → route → authorize → fault → request timeout → retry → per-try timeout → limit → balance → outlier → forward
//   inbound:  rescue → authorize → health answer → local app → forward
import type { Dispatcher } from "undici";
import type { EndpointTarget } from "./balancers/balancer";
import type { ProxyError } from "./errors";
import type { Handler, Layer, ProxyRequest, ProxyResponse } from "./http/proxy-types";
import { AuthorizationStats, authorizeLayer, inboundAuthorizeLayer } from "./layers/authorize";
import { balanceLayer } from "./layers/balance";
import { faultLayer } from "./layers/fault";
import { forwardHandler, type ForwardCount } from "./layers/forward";
import { limitLayer } from "./layers/limit";
import { healthAnswerLayer } from "./layers/health-answer";
import { localAppLayer } from "./layers/local-app";
import { outlierLayer } from "./layers/outlier";
import { perTryTimeoutLayer } from "./layers/per-try-timeout";
import { requestTimeoutLayer } from "./layers/request-timeout";
import { rescueLayer } from "./layers/rescue";
import { retryLayer } from "./layers/retry";
import { routeLayer } from "./layers/route";
import { telemetryLayer } from "./layers/telemetry";
import type { Logger } from "./log";
import type { RequestRecorder } from "./telemetry/request-recorder";
import { systemClock, type Clock, type Random } from "./time/clock";
import { RetryBudgets } from "./retry/retry-budget";
import { Limits } from "./breaker/destination-limits";
import type { UpstreamPools } from "./http/upstream-pools";

export interface Stack {
  handle: Handler;
  /** Answers a request the listener could not even parse, through the same rescue layer. */
  reject(req: ProxyRequest, err: ProxyError): Promise<ProxyResponse>;
}

export interface OutboundDeps {
  log: Logger;
  recorder: RequestRecorder;
  dispatcher: Dispatcher;
  /** Injected so tests can run timeouts and backoff on a manual clock. */
  clock?: Clock;
  /** Backoff jitter and fault injection draw from it. */
  random?: Random;
  /** Retry budgets per destination; the sidecar keeps them to report exhaustion in /stats. */
  budgets?: RetryBudgets;
  /** Circuit-breaker limit counters per destination; the sidecar keeps them for /stats. */
  limits?: Limits;
  /** Connection pools per destination (capped by `maxConnections`); without them every try uses `dispatcher`. */
  pools?: UpstreamPools;
  /** Counts the tries forwarded upstream (for /stats). */
  forwarded?: ForwardCount;
}

export function outboundStack({ log, recorder, dispatcher, clock = systemClock, random = Math.random, budgets = new RetryBudgets(), limits = new Limits(), pools, forwarded }: OutboundDeps): Stack {
  const onTelemetryError = (error: unknown) => log.warn("telemetry_record_failed", { error });
  return stack(
    [
      rescueLayer(log),
      telemetryLayer(recorder, onTelemetryError),
      routeLayer(),
      authorizeLayer(),
      faultLayer(clock, random),
      requestTimeoutLayer(clock),
      retryLayer({ clock, random, budgets, log }),
      perTryTimeoutLayer(clock),
      limitLayer(limits),
      balanceLayer(clock),
      outlierLayer(clock),
    ],
    forwardHandler(pools ? (req) => (req.ctx.destination ? pools.of(req.ctx.destination, req.ctx) : dispatcher) : dispatcher, forwarded),
  );
}

export interface InboundDeps {
  log: Logger;
  dispatcher: Dispatcher;
  app: EndpointTarget;
  /** While true, callers' health checks are refused so they stop sending here. */
  draining?: () => boolean;
  /** Authorization decisions per caller; the sidecar keeps them for /stats. */
  authorization?: AuthorizationStats;
  /** Counts the requests forwarded to the app (for /stats). */
  forwarded?: ForwardCount;
}

export function inboundStack({ log, dispatcher, app, draining = () => false, authorization = new AuthorizationStats(), forwarded }: InboundDeps): Stack {
  return stack([rescueLayer(log), inboundAuthorizeLayer(log, authorization), healthAnswerLayer(draining), localAppLayer(app)], forwardHandler(dispatcher, forwarded));
}

function stack(layers: readonly Layer[], inner: Handler): Stack {
  const rescue = layers[0]!;
  return {
    handle: compose(layers, inner),
    reject: (req, err) => rescue(() => Promise.reject(err))(req),
  };
}

export function compose(layers: readonly Layer[], inner: Handler): Handler {
  return layers.reduceRight<Handler>((next, layer) => layer(next), inner);
}
