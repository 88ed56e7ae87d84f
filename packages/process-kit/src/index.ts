// @trellis/process-kit: the plumbing every Trellis process shares — flags with TRELLIS_* env
// fallbacks and --help, and structured JSON-line logs. Node-only; no mesh logic lives here.
export * from "./flags";
export * from "./log";
