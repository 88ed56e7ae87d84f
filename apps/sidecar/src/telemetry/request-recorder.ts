// What the telemetry layer reports per request; the OpenTelemetry meter and the admin /stats
// counters both implement it.
import type { Outcome, ResponseClass } from "@trellis/mesh-model";
import type { Direction } from "../http/proxy-types";

export interface RequestRecord {
  direction: Direction;
  destinationService: string;
  destinationVersion: string;
  responseClass: ResponseClass;
  outcome: Outcome;
  /** Whether the try that answered went over mutual TLS. */
  mtls: boolean;
  durationMs: number;
}

export interface RequestRecorder {
  record(r: RequestRecord): void;
}

/** Fans one record out to several recorders; one failing does not stop the others. */
export function fanOut(recorders: readonly RequestRecorder[], onError: (err: unknown) => void): RequestRecorder {
  return {
    record(r) {
      for (const rec of recorders) {
        try {
          rec.record(r);
        } catch (err) {
          onError(err);
        }
      }
    },
  };
}
