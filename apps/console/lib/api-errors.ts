// What can go wrong when the browser asks the console for API data, as typed errors with a code.

/** The control plane (or the console server itself) could not be reached. */
export class ApiUnreachableError extends Error {
  readonly code = "api_unreachable";
}

/** The API answered with an error status; `apiCode` and `path` come from its ApiError body. */
export class ApiStatusError extends Error {
  readonly code = "api_status";
  constructor(message: string, readonly status: number, readonly apiCode: string | undefined, readonly path?: string) {
    super(message);
  }
}

/** The API answered 2xx with a body that does not match the mesh-model schema. */
export class ApiSchemaError extends Error {
  readonly code = "api_schema";
}

export type ConsoleApiError = ApiUnreachableError | ApiStatusError | ApiSchemaError;

export function isConsoleApiError(error: unknown): error is ConsoleApiError {
  return error instanceof ApiUnreachableError || error instanceof ApiStatusError || error instanceof ApiSchemaError;
}
