// The demo's fixed product data: enough to make the responses look like a shop.
import type { Item } from "./wire";

export const ITEMS: readonly Item[] = [
  { id: "trellis-kit", name: "Garden trellis kit", priceCents: 3900 },
  { id: "clematis", name: "Clematis 'Nelly Moser'", priceCents: 1450 },
  { id: "twine", name: "Jute twine, 100 m", priceCents: 499 },
  { id: "secateurs", name: "Bypass secateurs", priceCents: 2599 },
  { id: "ivy", name: "Boston ivy", priceCents: 1199 },
];

export const REVIEWS: Readonly<Record<string, ReadonlyArray<{ author: string; text: string }>>> = {
  "trellis-kit": [{ author: "ana", text: "Sturdy, went up in an afternoon." }],
  clematis: [{ author: "bo", text: "Flowered in the first summer." }, { author: "cy", text: "Arrived a bit dry." }],
  twine: [{ author: "dee", text: "Does what twine does." }],
  secateurs: [{ author: "eli", text: "Sharp and comfortable." }],
  ivy: [{ author: "fay", text: "Covers the wall already." }],
};

export function ratingOf(itemId: string): { stars: number; votes: number } {
  let h = 0;
  for (const c of itemId) h = (h * 31 + c.charCodeAt(0)) % 997;
  return { stars: 3 + (h % 21) / 10, votes: 10 + (h % 90) };
}
