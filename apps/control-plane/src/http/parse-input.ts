// Route input through the mesh-model schemas: a failure becomes a typed 4xx naming the bad field.
import type { z } from "zod";
import { InvalidRequestError } from "../errors";
import { zodProblem } from "../zod-issues";

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: "body" | "query" | "params"): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problem = zodProblem(parsed.error);
  throw new InvalidRequestError(where, `invalid ${where}: ${problem.message}`, problem.path === "" ? undefined : problem.path);
}
