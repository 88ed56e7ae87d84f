// The sidecar's conversation with the control plane: register, heartbeat at the interval it asks
// for, and hold the SSE config stream open. Every bundle is applied (or rejected) and answered with
// an ACK or NACK; applied ones are cached on disk. When the control plane is away the loop backs
// off with jitter and the data path keeps serving the last good snapshot.
import { setTimeout as sleep } from "node:timers/promises";
import type { Readable } from "node:stream";
import { CONFIG_EVENT_BUNDLE, type RegisterRequest } from "@trellis/mesh-model";
import type { Logger } from "../log";
import type { BundleCache } from "../snapshot/bundle-cache";
import type { SnapshotStore } from "../snapshot/snapshot-store";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from "./backoff";
import type { ControlPlaneApi } from "./control-api";
import { SseParser, type SseEvent } from "./sse-parser";

export type ControlState = "registering" | "connecting" | "streaming" | "disconnected" | "stopped";

export interface ControlStatus {
  state: ControlState;
  registered: boolean;
  lastAckedRevision: number | null;
  lastRejected: { revision: number | null; error: string } | null;
  lastBundleAt: string | null;
  lastError: string | null;
  reconnects: number;
}

export interface ControlSessionOptions {
  api: ControlPlaneApi;
  registration: RegisterRequest;
  store: SnapshotStore;
  cache: BundleCache;
  log: Logger;
  backoff?: BackoffPolicy;
}

export class ControlSession {
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private readonly st: ControlStatus = {
    state: "registering",
    registered: false,
    lastAckedRevision: null,
    lastRejected: null,
    lastBundleAt: null,
    lastError: null,
    reconnects: 0,
  };

  constructor(private readonly o: ControlSessionOptions) {}

  get status(): Readonly<ControlStatus> {
    return { ...this.st };
  }

  start(): void {
    this.running ??= this.run().catch((error: unknown) => this.o.log.error("control_loop_crashed", { error }));
  }

  /** Stops the loops and, if we were registered, deregisters so callers stop sending us traffic. */
  async stop({ deregister }: { deregister: boolean }): Promise<void> {
    this.stopping.abort();
    await this.running;
    this.st.state = "stopped";
    if (deregister && this.st.registered) {
      const r = await this.o.api.deregister(this.o.registration.instanceId);
      if (r.ok) this.o.log.info("deregistered", { instanceId: this.o.registration.instanceId });
      else this.o.log.warn("deregister_failed", { error: r.error });
    }
    await this.o.api.close();
  }

  private async run(): Promise<void> {
    const { api, registration, log } = this.o;
    const stop = this.stopping.signal;
    let attempt = 0;
    while (!stop.aborted) {
      this.st.state = "registering";
      const reg = await api.register(registration, stop);
      // Registered even if we are stopping meanwhile: stop() must then deregister.
      if (reg.ok) this.st.registered = true;
      if (stop.aborted) break;
      if (!reg.ok) {
        // A refusal will not pass by itself (the operator must give this sidecar its service's join token): said loudly, every time.
        if (reg.kind === "refused") log.error("register_refused", { error: reg.error });
        this.fail("register_failed", reg.error, attempt);
        await this.pause(attempt++, stop);
        continue;
      }
      attempt = 0;
      log.info("registered", { instanceId: registration.instanceId, heartbeatIntervalMs: reg.value.heartbeatIntervalMs, leaseTtlMs: reg.value.leaseTtlMs });
      // One registration's lifetime: ends when we stop, or when the control plane forgets us.
      // Nothing awaited since the check above, so `stop` cannot have fired before the listener is in place.
      const session = new AbortController();
      const onStop = () => session.abort();
      stop.addEventListener("abort", onStop, { once: true });
      const beating = this.heartbeats(reg.value.heartbeatIntervalMs, session);
      await this.streams(session);
      session.abort();
      stop.removeEventListener("abort", onStop);
      await beating;
    }
  }

  private async heartbeats(intervalMs: number, session: AbortController): Promise<void> {
    const { api, registration, log } = this.o;
    let failures = 0;
    while (!session.signal.aborted) {
      if (!(await this.pauseFor(intervalMs, session.signal))) return;
      const r = await api.heartbeat(registration.instanceId, session.signal);
      if (session.signal.aborted) return;
      if (r.ok) {
        if (failures > 0) log.info("heartbeat_recovered", { after: failures });
        failures = 0;
        continue;
      }
      if (r.kind === "unknown_instance") {
        log.warn("heartbeat_unknown_instance", { instanceId: registration.instanceId, error: r.error });
        this.st.registered = false;
        session.abort();
        return;
      }
      // The stream notices a dead control plane by itself; the first missed heartbeat is worth a line, repeats are noise.
      if (failures++ === 0) log.warn("heartbeat_failed", { error: r.error });
      else log.debug("heartbeat_failed", { error: r.error, failures });
    }
  }

  private async streams(session: AbortController): Promise<void> {
    const { api, registration, log } = this.o;
    const signal = session.signal;
    let attempt = 0;
    while (!signal.aborted) {
      this.st.state = "connecting";
      const opened = await api.openConfigStream(registration.instanceId, signal);
      if (signal.aborted) return;
      if (!opened.ok) {
        if (opened.kind === "unknown_instance") {
          log.warn("config_stream_unknown_instance", { error: opened.error });
          this.st.registered = false;
          return;
        }
        this.fail("config_stream_failed", opened.error, attempt);
        await this.pause(attempt++, signal);
        continue;
      }
      this.st.state = "streaming";
      log.info("config_stream_open", { instanceId: registration.instanceId });
      let first = true;
      try {
        for await (const event of readEvents(opened.value)) {
          if (event.event !== CONFIG_EVENT_BUNDLE) continue;
          attempt = 0;
          await this.onBundle(event.data, first);
          first = false;
        }
        if (!signal.aborted) this.fail("config_stream_ended", "the control plane closed the config stream", attempt);
      } catch (err) {
        if (!signal.aborted) this.fail("config_stream_broken", err instanceof Error ? err.message : String(err), attempt);
      } finally {
        opened.value.destroy();
      }
      if (signal.aborted) return;
      this.st.reconnects++;
      await this.pause(attempt++, signal);
    }
  }

  /** Applies one pushed bundle and answers it. The first bundle of a stream may lower the revision. */
  async onBundle(data: string, firstOfStream: boolean): Promise<void> {
    const { api, registration, store, cache, log } = this.o;
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      raw = undefined;
    }
    const result =
      raw === undefined
        ? ({ status: "rejected", revision: undefined, error: "bundle event data is not JSON" } as const)
        : store.apply(raw, { source: "control-plane", allowRegression: firstOfStream });
    this.st.lastBundleAt = new Date().toISOString();
    if (result.status === "applied") void cache.save(JSON.stringify(result.snapshot.bundle), result.revision);
    const answer =
      result.status === "rejected"
        ? { revision: result.revision ?? 0, accepted: false, error: result.error }
        : { revision: result.revision, accepted: true };
    if (result.status === "rejected") this.st.lastRejected = { revision: result.revision ?? null, error: result.error };
    else this.st.lastAckedRevision = result.revision;
    const sent = await api.ack(registration.instanceId, answer);
    if (!sent.ok) log.warn("ack_failed", { revision: answer.revision, accepted: answer.accepted, error: sent.error });
    else log.debug(answer.accepted ? "config_acked" : "config_nacked", { revision: answer.revision });
  }

  private fail(event: string, error: string, attempt: number): void {
    this.st.state = "disconnected";
    this.st.lastError = error;
    // The first failure is news; repeats while the control plane stays down are noise.
    if (attempt === 0) this.o.log.warn(event, { error });
    else this.o.log.debug(event, { error, attempt });
  }

  private pause(attempt: number, signal: AbortSignal): Promise<boolean> {
    return this.pauseFor(backoffDelay(attempt, this.o.backoff ?? DEFAULT_BACKOFF), signal);
  }

  /** Resolves true after `ms`, false as soon as `signal` aborts. */
  private async pauseFor(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal });
      return true;
    } catch {
      return false;
    }
  }
}

async function* readEvents(body: Readable): AsyncGenerator<SseEvent> {
  const parser = new SseParser();
  for await (const chunk of body) {
    for (const event of parser.push(chunk instanceof Uint8Array ? chunk : String(chunk))) yield event;
  }
}
