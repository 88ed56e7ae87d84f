// ratings: stars per item, computed from the id so answers are stable; a leaf service.
import { ratingOf } from "../catalog-data";
import type { Route } from "../http-server";

export function ratingsRoutes(): Route[] {
  return [
    {
      method: "GET",
      pattern: "/ratings/:itemId",
      handler: async (req) => {
        const itemId = req.params.itemId ?? "";
        return { status: 200, body: { itemId, ...ratingOf(itemId) } };
      },
    },
  ];
}
