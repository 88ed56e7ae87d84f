// Every route a Fastify app registered, as "METHOD /pattern", recorded by an onRoute hook so that a
// test can enumerate them all (and prove each needs credentials unless allow-listed).
import type { FastifyInstance } from "fastify";

const lists = new WeakMap<FastifyInstance, string[]>();

/** Call before registering routes. */
export function recordRoutes(app: FastifyInstance): void {
  const routes: string[] = [];
  lists.set(app, routes);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`);
  });
}

export const routesOf = (app: FastifyInstance): readonly string[] => lists.get(app) ?? [];
