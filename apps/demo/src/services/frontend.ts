// frontend: the shop's home page; asks catalog for the items and fails (502) when catalog does.
import { UpstreamError } from "../errors";
import type { Route } from "../http-server";
import { describeFailure } from "../outbound";
import { ZCatalogResponse } from "../wire";
import type { ServiceContext } from "./context";

export function frontendRoutes(ctx: ServiceContext): Route[] {
  return [
    {
      method: "GET",
      pattern: "/",
      handler: async (req) => {
        const res = await ctx.outbound.call("catalog", "/items", { requestId: req.requestId });
        const catalog = res.kind === "response" && res.status === 200 ? ZCatalogResponse.safeParse(res.body) : undefined;
        if (!catalog?.success) throw new UpstreamError(describeFailure("catalog", res));
        return { status: 200, body: { page: "home", servedBy: `${ctx.service}/${ctx.version}`, ...catalog.data } };
      },
    },
  ];
}
