// Passive health: reports each try's result to its endpoint's breaker (outlier detection). 5xx
// responses and failed connections count as failures, 502/503/504 and connect/reset/header-timeout
// failures as gateway errors too; a try cancelled by a timeout or by the caller says nothing.
import { InternalError, UpstreamConnectError, UpstreamResetError, UpstreamTimeoutError } from "../errors";
import { callNext, type Layer } from "../http/proxy-types";
import { systemClock, type Clock } from "../time/clock";

export function outlierLayer(clock: Clock = systemClock): Layer {
  // Not async: a settled try is observed in one then() (fewer promises per try than await in try/catch).
  return (next) => (req) => {
    const endpoint = req.ctx.endpoint;
    if (!endpoint) return Promise.reject(new InternalError("outlier reached without an endpoint"));
    const breaker = endpoint.breaker;
    return callNext(next, req).then(
      (res) => {
        const status = res.status;
        if (status < 500) breaker.success(clock.now());
        else breaker.failure(status >= 502 && status <= 504 ? "gateway" : "5xx", clock.now());
        return res;
      },
      (err: unknown) => {
        if (err instanceof UpstreamConnectError || err instanceof UpstreamResetError || err instanceof UpstreamTimeoutError) breaker.failure("gateway", clock.now());
        throw err;
      },
    );
  };
}
