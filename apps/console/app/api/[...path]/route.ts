// Same-origin access to the control plane's API: /api/* is forwarded as is (see server/proxy.ts).
import { handleProxy } from "../../../server/handle-proxy";

export const GET = handleProxy;
export const POST = handleProxy;
export const PUT = handleProxy;
export const PATCH = handleProxy;
export const DELETE = handleProxy;
