// Load shedding for OTLP exports. Three bounds on the work admitted and not yet answered, each checked
// before a body is read or decoded, so the excess costs only its headers:
// - a concurrency limit that adapts to how fast admitted exports are answered (AIMD, as TCP's window):
//   it grows while they are answered within the latency target and shrinks when one is not, up to
//   `--max-otlp-in-flight`. A fixed limit is either too low for a fast machine or, on a slow or busy one,
//   a queue of seconds (64 heavy exports at 0.25 s each is 16 s of waiting);
// - the bytes of admitted bodies (after decompression), `--max-otlp-in-flight-bytes`;
// - the event loop's standing lag (loop-lag.ts): exports waiting in socket buffers, before any count.
// A refused export is told to retry later (429, or 503 while the store fails), and one export is always
// admitted when none is in flight, so progress never stops.
import { OverloadedError, UnavailableError } from "../errors";

/** How recently an export must have been admitted for the loop's lag to shed the next one. */
const BUSY_WINDOW_MS = 1_000;
/** Where the adaptive limit starts: a burst on a cold receiver must not queue a ceiling's worth of work. */
const INITIAL_LIMIT = 4;
/** Shrink factor when an export took longer than the target. */
const DECREASE = 0.7;

export interface AdmissionOptions {
  /** The most exports admitted at once (the adaptive limit's ceiling). */
  limit: number;
  /** The most body bytes (after decompression) admitted and not yet answered; Infinity for no bound. */
  maxBytes?: number;
  /** An admitted export should be answered within this (ms); slower answers shrink the limit. */
  targetMs?: number;
  /** A second reason to shed: the receiver's event loop has a standing queue (see loop-lag.ts). */
  overloaded?: () => boolean;
  now?: () => number;
}

/** Frees an admission (once; later calls do nothing). `grow` counts body bytes read after admission. */
export interface Admitted {
  (): void;
  /** Raises the export's byte count to `bytes`; throws OverloadedError (and frees it) past the byte budget. */
  grow(bytes: number): void;
}

export class ExportAdmission {
  readonly limit: number;
  readonly maxBytes: number;
  readonly targetMs: number;
  private readonly overloaded: () => boolean;
  private readonly now: () => number;
  private inFlight = 0;
  private bytesInFlight = 0;
  private window: number;
  /** Until the first slow answer the limit grows by one per fast answer (TCP's slow start). */
  private slowStart = true;
  private lastDecreaseAt = Number.NEGATIVE_INFINITY;
  private lastAdmittedAt = Number.NEGATIVE_INFINITY;
  /** Exports refused, for any reason. */
  shed = 0;
  /** Set by the writer: while the store fails, a shed export is told so (503/UNAVAILABLE, not 429). */
  storeFailing = false;

  constructor(options: AdmissionOptions | number) {
    const o = typeof options === "number" ? { limit: options } : options;
    this.limit = o.limit;
    this.maxBytes = o.maxBytes ?? Number.POSITIVE_INFINITY;
    this.targetMs = o.targetMs ?? Number.POSITIVE_INFINITY;
    this.overloaded = o.overloaded ?? (() => false);
    this.now = o.now ?? (() => performance.now());
    // Without a latency target there is nothing to adapt to: the limit is the ceiling.
    this.window = Number.isFinite(this.targetMs) ? Math.min(this.limit, INITIAL_LIMIT) : this.limit;
  }

  get current(): number {
    return this.inFlight;
  }

  get currentBytes(): number {
    return this.bytesInFlight;
  }

  /** The concurrency limit in force now (≤ `limit`). */
  get currentLimit(): number {
    return Math.max(1, Math.floor(this.window));
  }

  /**
   * Takes a slot for an export of `bytes` (what is known before reading: its Content-Length, or the
   * message size) or throws OverloadedError (UnavailableError while the store fails).
   */
  enter(bytes = 0): Admitted {
    const now = this.now();
    const first = this.inFlight === 0;
    const full = this.inFlight >= this.currentLimit;
    const tooBig = !first && this.bytesInFlight + bytes > this.maxBytes;
    // The loop's lag counts only while exports keep arriving and one is in flight: a machine busy with
    // other work must not turn away the first export after a quiet spell, nor one export at a time
    // (sequential exports on a starved machine would be refused otherwise).
    const busy = !first && now - this.lastAdmittedAt < BUSY_WINDOW_MS && this.overloaded();
    if (full || tooBig || busy) {
      throw this.refusal(
        full
          ? `${this.inFlight} OTLP exports are already in flight (limit now ${this.currentLimit} of ${this.limit}); retry later`
          : tooBig
            ? `the OTLP exports in flight already hold ${this.bytesInFlight} of ${this.maxBytes} body bytes; retry later`
            : "the OTLP receiver is behind on its work; retry later",
      );
    }
    this.inFlight++;
    this.bytesInFlight += bytes;
    this.lastAdmittedAt = now;
    const admittedAt = now;
    let held = bytes;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      this.inFlight--;
      this.bytesInFlight -= held;
      this.answered(this.now() - admittedAt);
    };
    const grow = (total: number) => {
      if (left || total <= held) return;
      // Alone in flight an export may use the whole budget and more (up to the body limit): progress.
      if (this.inFlight > 1 && this.bytesInFlight - held + total > this.maxBytes) {
        left = true;
        this.inFlight--;
        this.bytesInFlight -= held;
        throw this.refusal(`the OTLP exports in flight would hold more than ${this.maxBytes} body bytes; retry later`);
      }
      this.bytesInFlight += total - held;
      held = total;
    };
    return Object.assign(leave, { grow });
  }

  private refusal(message: string): Error {
    this.shed++;
    if (this.storeFailing) return new UnavailableError("the rollup store is failing and exports are backing up; retry later");
    return new OverloadedError(message);
  }

  /** AIMD on the time from admission to answer. */
  private answered(ms: number): void {
    if (!Number.isFinite(this.targetMs)) return;
    if (ms <= this.targetMs) {
      // Grow only while the limit is in use (half of it at least, counting this export): a receiver
      // taking one export at a time has learnt nothing about taking more.
      if (this.inFlight + 1 >= this.currentLimit / 2) this.window = Math.min(this.limit, this.window + (this.slowStart ? 1 : 1 / this.window));
      return;
    }
    this.slowStart = false;
    // Once per target span: the exports admitted under the old limit all answer late together.
    const now = this.now();
    if (now - this.lastDecreaseAt < this.targetMs) return;
    this.lastDecreaseAt = now;
    this.window = Math.max(1, this.window * DECREASE);
  }
}
