// reviews: v1 answers from its own data; v2 also asks ratings for stars (and is the slow one, by its
// fault defaults). A failed ratings call leaves the rating out rather than failing the review.
import { REVIEWS } from "../catalog-data";
import type { Route } from "../http-server";
import { describeFailure } from "../outbound";
import { type Rating, ZRating } from "../wire";
import type { ServiceContext } from "./context";

async function fetchRating(ctx: ServiceContext, itemId: string, requestId: string): Promise<Rating | null> {
  const res = await ctx.outbound.call("ratings", `/ratings/${encodeURIComponent(itemId)}`, { requestId });
  const rating = res.kind === "response" && res.status === 200 ? ZRating.safeParse(res.body) : undefined;
  if (rating?.success) return rating.data;
  ctx.logger.debug("ratings.unavailable", { requestId, reason: describeFailure("ratings", res) });
  return null;
}

export function reviewsRoutes(ctx: ServiceContext): Route[] {
  const callsRatings = ctx.version !== "v1";
  return [
    {
      method: "GET",
      pattern: "/reviews/:itemId",
      handler: async (req) => {
        const itemId = req.params.itemId ?? "";
        const reviews = REVIEWS[itemId] ?? [];
        const body = { itemId, version: ctx.version, reviews };
        if (!callsRatings) return { status: 200, body };
        return { status: 200, body: { ...body, rating: await fetchRating(ctx, itemId, req.requestId) } };
      },
    },
  ];
}
