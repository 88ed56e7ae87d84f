// How a page explains itself when it has no data: loading, an error that says what to do, or empty.
import type { ReactNode } from "react";
import { ApiSchemaError, ApiStatusError, ApiUnreachableError } from "../lib/api-errors";

export function LoadingState({ what }: { what: string }) {
  return (
    <div className="state" data-test="state-loading" aria-busy="true">
      <p>Loading {what}…</p>
    </div>
  );
}

export function EmptyState({ title, children, testId = "state-empty" }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="state" data-test={testId} data-kind="empty">
      <h2>{title}</h2>
      {children === undefined ? null : <p>{children}</p>}
    </div>
  );
}

function explain(error: unknown): { title: string; detail: string; code: string } {
  if (error instanceof ApiUnreachableError) {
    return { title: error.message, detail: "Check that the control plane is running and that TRELLIS_API_URL points at it. The console keeps retrying.", code: error.code };
  }
  if (error instanceof ApiStatusError) {
    return { title: error.message, detail: `The control plane answered HTTP ${error.status}${error.apiCode ? ` (${error.apiCode})` : ""}.`, code: error.code };
  }
  if (error instanceof ApiSchemaError) {
    return { title: "The control plane answered with data this console does not understand.", detail: "The console and the control plane may be different versions. " + error.message, code: error.code };
  }
  return { title: "Something went wrong while loading.", detail: error instanceof Error ? error.message : String(error), code: "unknown" };
}

/** A full-page error, when there is nothing else to show. */
export function ErrorState({ error }: { error: unknown }) {
  const { title, detail, code } = explain(error);
  return (
    <div className="state" data-test="state-error" data-kind="error" data-code={code} role="alert">
      <h2>{title}</h2>
      <p style={{ whiteSpace: "pre-wrap" }}>{detail}</p>
    </div>
  );
}

/** A slim warning above data that is still shown but no longer current. */
export function StaleBanner({ error }: { error: unknown }) {
  const { title } = explain(error);
  return (
    <div className="banner" data-test="state-stale" data-kind="error" role="status">
      <strong>Showing the last data received.</strong>
      <span>{title}</span>
    </div>
  );
}
