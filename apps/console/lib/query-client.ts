// TanStack Query defaults for the console: refresh is driven per query by the URL's interval;
// an unreachable control plane is reported at once instead of after silent retries.
import { QueryClient } from "@tanstack/react-query";
import { ApiSchemaError, ApiStatusError, ApiUnreachableError } from "./api-errors";

export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiUnreachableError || error instanceof ApiSchemaError) return false;
  if (error instanceof ApiStatusError && error.status < 500) return false;
  return failureCount < 2;
}

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: shouldRetry, staleTime: 2000, refetchOnWindowFocus: true },
    },
  });
}
