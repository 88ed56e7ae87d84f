"use client";
// The time range: a look-back window (5 min … 7 days) or a custom from/to range, both in the URL.
import { useState } from "react";
import { CUSTOM_WINDOW, DEFAULT_WINDOW, MAX_CUSTOM_MS, WINDOW_CHOICES, customRangeChanges } from "../lib/view-state";
import { useGlobalView, useUrlState } from "../lib/use-url-state";

/** `datetime-local` values are local wall-clock time without a zone. */
function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export function WindowPicker() {
  const url = useUrlState();
  const { window: current, custom } = useGlobalView();
  const [open, setOpen] = useState(false);
  const value = custom === null ? current : CUSTOM_WINDOW;
  return (
    <div className="control-label window-picker">
      <span id="window-picker-label">Window</span>
      <div className="seg" role="group" aria-labelledby="window-picker-label" data-test="window-picker" data-value={value}>
        {WINDOW_CHOICES.map((choice) => (
          <button
            key={choice}
            type="button"
            aria-pressed={custom === null && choice === current}
            data-test={`window-option-${choice}`}
            onClick={() => {
              setOpen(false);
              url.set([["window", choice, DEFAULT_WINDOW], ["from", ""], ["to", ""]]);
            }}
          >
            {choice}
          </button>
        ))}
        <button type="button" aria-pressed={custom !== null} aria-expanded={open} data-test="window-option-custom" onClick={() => setOpen(!open)}>
          {custom === null ? "custom" : `${shortTime(custom.fromMs)} – ${shortTime(custom.toMs)}`}
        </button>
      </div>
      {open ? <CustomRangeForm initial={custom} onDone={() => setOpen(false)} apply={(range) => url.set(customRangeChanges(range))} /> : null}
    </div>
  );
}

function shortTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false });
}

function CustomRangeForm({ initial, apply, onDone }: {
  initial: { fromMs: number; toMs: number } | null;
  apply: (range: { fromMs: number; toMs: number }) => void;
  onDone: () => void;
}) {
  const now = Date.now();
  const [from, setFrom] = useState(toLocalInput(initial?.fromMs ?? now - 3_600_000));
  const [to, setTo] = useState(toLocalInput(initial?.toMs ?? now));
  const fromMs = new Date(from).getTime();
  const toMs = new Date(to).getTime();
  const problem = !Number.isFinite(fromMs) || !Number.isFinite(toMs) ? "Pick both times."
    : toMs <= fromMs ? "The end must come after the start."
    : toMs - fromMs > MAX_CUSTOM_MS ? "At most 7 days."
    : fromMs > now ? "The start is in the future." : null;
  return (
    <form
      className="popover"
      data-test="window-custom-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (problem !== null) return;
        apply({ fromMs, toMs });
        onDone();
      }}
    >
      <label>From <input className="input" type="datetime-local" data-test="window-custom-from" value={from} onChange={(e) => setFrom(e.target.value)} /></label>
      <label>To <input className="input" type="datetime-local" data-test="window-custom-to" value={to} onChange={(e) => setTo(e.target.value)} /></label>
      {problem === null ? null : <span className="error-text" data-test="window-custom-error">{problem}</span>}
      <div className="toolbar">
        <button type="submit" className="btn btn-primary" data-test="window-custom-apply" disabled={problem !== null}>Apply</button>
        <button type="button" className="btn" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}
