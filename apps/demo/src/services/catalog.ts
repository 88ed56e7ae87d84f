// catalog: the item list plus the reviews of one featured item; degrades to no reviews when the
// reviews service fails, so its own error rate is only the injected one.
import { ITEMS } from "../catalog-data";
import type { Route } from "../http-server";
import { describeFailure } from "../outbound";
import { ZReviewsResponse } from "../wire";
import type { ServiceContext } from "./context";

export function catalogRoutes(ctx: ServiceContext): Route[] {
  return [
    {
      method: "GET",
      pattern: "/items",
      handler: async (req) => {
        const featured = ITEMS[Math.floor(ctx.random() * ITEMS.length)] ?? ITEMS[0]!;
        const res = await ctx.outbound.call("reviews", `/reviews/${encodeURIComponent(featured.id)}`, { requestId: req.requestId });
        const reviews = res.kind === "response" && res.status === 200 ? ZReviewsResponse.safeParse(res.body) : undefined;
        if (!reviews?.success) ctx.logger.debug("reviews.unavailable", { requestId: req.requestId, reason: describeFailure("reviews", res) });
        return { status: 200, body: { items: ITEMS, featured: { itemId: featured.id, reviews: reviews?.success ? reviews.data : null } } };
      },
    },
  ];
}
