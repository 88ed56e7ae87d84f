// Typed errors of the demo services; http-server.ts is the one place that turns them into statuses.

export class DemoError extends Error {
  constructor(
    readonly code: "not_found" | "upstream_failed" | "injected_fault",
    message: string,
  ) {
    super(message);
  }
}

export class NotFoundError extends DemoError {
  constructor(path: string) {
    super("not_found", `no route for ${path}`);
  }
}

export class UpstreamError extends DemoError {
  constructor(reason: string) {
    super("upstream_failed", reason);
  }
}

/** A failure the fault injector chose on purpose, with the status it chose. */
export class InjectedFault extends DemoError {
  constructor(readonly status: number) {
    super("injected_fault", `injected failure (${status})`);
  }
}

export function statusOf(err: DemoError): number {
  switch (err.code) {
    case "not_found":
      return 404;
    case "upstream_failed":
      return 502;
    case "injected_fault":
      return err instanceof InjectedFault ? err.status : 500;
  }
}
