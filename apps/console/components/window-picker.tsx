"use client";
import { DEFAULT_WINDOW, WINDOW_CHOICES } from "../lib/view-state";
import { useGlobalView, useUrlState } from "../lib/use-url-state";

export function WindowPicker() {
  const url = useUrlState();
  const { window: current } = useGlobalView();
  return (
    <div className="control-label">
      <span id="window-picker-label">Window</span>
      <div className="seg" role="group" aria-labelledby="window-picker-label" data-test="window-picker" data-value={current}>
        {WINDOW_CHOICES.map((choice) => (
          <button
            key={choice}
            type="button"
            aria-pressed={choice === current}
            data-test={`window-option-${choice}`}
            onClick={() => url.set([["window", choice, DEFAULT_WINDOW]])}
          >
            {choice}
          </button>
        ))}
      </div>
    </div>
  );
}
