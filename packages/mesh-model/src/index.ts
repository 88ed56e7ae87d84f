// @trellis/mesh-model: the shared language of the control plane, the console and the sidecar.
// Zod schemas (Z*) with their inferred types, and pure functions. No I/O.
export * from "./identity";
export * from "./duration";
export * from "./telemetry";
export * from "./spiffe";
export * from "./policy/spec";
export * from "./policy/bundle";
export * from "./policy/compile";
export * from "./policy/normalise-path";
export * from "./policy/validate";
export * from "./policy/diff";
export * from "./api/errors";
export * from "./api/sidecar-api";
export * from "./api/console-api";
export * from "./api/service-series";
export * from "./api/service-endpoints";
export * from "./api/policy-api";
export * from "./api/ca-api";
export * from "./api/auth-api";
