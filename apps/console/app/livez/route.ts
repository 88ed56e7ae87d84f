// The console's own liveness (answers without asking the control plane; /healthz asks it).
export function GET(): Response {
  return Response.json({ status: "ok", component: "console" }, { headers: { "cache-control": "no-store" } });
}
