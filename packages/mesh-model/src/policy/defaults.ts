// The defaults compile() applies, in the spirit of Envoy's and Linkerd's.
export const DEFAULTS = {
  loadBalancer: { type: "peak-ewma", choiceCount: 2 },
  retry: {
    attempts: 2,
    retryOn: ["connect-failure", "reset", "gateway-error"],
    retriableStatusCodes: [] as number[],
    perTryTimeoutMs: 0,
    backoffBaseMs: 25,
    backoffMaxMs: 250,
    budgetPercent: 20,
    budgetMinConcurrent: 3,
    retryNonIdempotent: false,
  },
  timeoutMs: 15_000,
  circuitBreaker: {
    maxConnections: 1024,
    maxPendingRequests: 1024,
    maxRequests: 1024,
    consecutive5xx: 5,
    consecutiveGatewayErrors: 5,
    baseEjectionTimeMs: 30_000,
    maxEjectionTimeMs: 300_000,
    maxEjectionPercent: 10,
    panicThresholdPercent: 50,
  },
  healthCheck: { path: "/healthz", intervalMs: 5_000, timeoutMs: 1_000, healthyThreshold: 2, unhealthyThreshold: 3 },
  /**
   * Mesh-wide security defaults of the compiler when no mesh settings are passed: permissive, so a
   * bundle compiled on its own (the sidecar's unit tests) works in plaintext. The control plane always
   * passes its own settings, whose default is strict (--mtls-mode; docs/security.md).
   */
  mesh: { mtlsMode: "permissive", authorizationDefault: "allow" },
} as const;

/** Weights in a bundle are basis points: they sum to this. */
export const WEIGHT_TOTAL = 10_000;
