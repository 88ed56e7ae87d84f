// What the demo services answer each other: parsed with zod on the receiving side, like any input.
import { z } from "zod";

export const ZItem = z.object({ id: z.string(), name: z.string(), priceCents: z.int() });
export type Item = z.infer<typeof ZItem>;

export const ZRating = z.object({ itemId: z.string(), stars: z.number().min(0).max(5), votes: z.int() });
export type Rating = z.infer<typeof ZRating>;

export const ZReview = z.object({ author: z.string(), text: z.string() });

export const ZReviewsResponse = z.object({
  itemId: z.string(),
  version: z.string(),
  reviews: z.array(ZReview),
  /** Only reviews v2 asks ratings; null when ratings failed. */
  rating: ZRating.nullable().optional(),
});
export type ReviewsResponse = z.infer<typeof ZReviewsResponse>;

export const ZCatalogResponse = z.object({
  items: z.array(ZItem),
  featured: z.object({ itemId: z.string(), reviews: ZReviewsResponse.nullable() }),
});
export type CatalogResponse = z.infer<typeof ZCatalogResponse>;
