// Load shedding for OTLP exports: at most `limit` exports are being processed or waiting for the
// rollup writer at once. One more is refused at the door (the client retries later) instead of
// queueing without bound in memory.
import { OverloadedError, UnavailableError } from "../errors";

/** How recently an export must have been admitted for the loop's lag to shed the next one. */
const BUSY_WINDOW_MS = 1_000;

export class ExportAdmission {
  private inFlight = 0;
  private lastAdmittedAt = Number.NEGATIVE_INFINITY;
  /** Exports refused because the limit was reached. */
  shed = 0;
  /** Set by the writer: while the store fails, a shed export is told so (503/UNAVAILABLE, not 429). */
  storeFailing = false;

  /**
   * `overloaded()`: a second reason to shed besides the limit — the receiver's event loop has a standing
   * queue (see loop-lag.ts), so exports wait before they could even be counted.
   */
  constructor(
    readonly limit: number,
    private readonly overloaded: () => boolean = () => false,
  ) {}

  get current(): number {
    return this.inFlight;
  }

  /** Sheds now (as enter() would) when no slot is free, so that a receiver need not read the body first. */
  refuseIfFull(): void {
    if (this.inFlight >= this.limit) this.enter();
  }

  /** Takes a slot or throws OverloadedError (UnavailableError while the store fails); call the returned function once done. */
  enter(): () => void {
    const full = this.inFlight >= this.limit;
    // The loop's lag counts only while exports keep arriving: a machine busy with other work must not
    // turn the first export after a quiet spell away.
    const busy = performance.now() - this.lastAdmittedAt < BUSY_WINDOW_MS && this.overloaded();
    if (full || busy) {
      this.shed++;
      if (this.storeFailing) throw new UnavailableError("the rollup store is failing and exports are backing up; retry later");
      throw new OverloadedError(full ? `${this.limit} OTLP exports are already in flight; retry later` : "the OTLP receiver is behind on its work; retry later");
    }
    this.inFlight++;
    this.lastAdmittedAt = performance.now();
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inFlight--;
    };
  }
}
