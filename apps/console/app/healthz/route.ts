// The control plane's health, through the console: 200 when both are up, 502 when the API is not.
import { handleProxy } from "../../server/handle-proxy";

export const GET = handleProxy;
