// Turns an OTLP traces export (protobuf-decoded or JSON) into one internal shape. Spans are not
// stored yet; they are validated one by one (bad ones rejected and counted) so that senders learn
// early when what they send is wrong.
import { z } from "zod";
import { InvalidRequestError } from "../errors";
import { zodProblem } from "../zod-issues";
import { ZAttributes, ZId, ZOtlpEnum, ZUnsignedInt64, type Attributes } from "./otlp-values";
import { Rejections } from "./rejections";

export interface NormalisedSpan {
  traceId: string;
  spanId: string;
  /** "" for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Attributes;
  statusCode: number;
}

export interface NormalisedTraces {
  resources: { attributes: Attributes; spans: NormalisedSpan[] }[];
  acceptedSpans: number;
  rejected: Rejections;
}

const ZSpanKind = ZOtlpEnum(["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"]);
const ZStatusCode = ZOtlpEnum(["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"]);

const ZSpan = z
  .object({
    traceId: ZId(16),
    spanId: ZId(8),
    parentSpanId: ZId(8, true).default(""),
    name: z.string().default(""),
    kind: ZSpanKind.default(0),
    startTimeUnixNano: ZUnsignedInt64.refine((t) => t > 0n, "is required"),
    endTimeUnixNano: ZUnsignedInt64.refine((t) => t > 0n, "is required"),
    attributes: ZAttributes,
    status: z.object({ code: ZStatusCode.default(0) }).default({ code: 0 }),
  })
  .refine((s) => s.endTimeUnixNano >= s.startTimeUnixNano, { path: ["endTimeUnixNano"], message: "must not be before startTimeUnixNano" })
  .transform(
    (s): NormalisedSpan => ({
      traceId: s.traceId,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      name: s.name,
      kind: s.kind,
      startNs: s.startTimeUnixNano,
      endNs: s.endTimeUnixNano,
      attributes: s.attributes,
      statusCode: s.status.code,
    }),
  );

const ZSpans = z.array(z.unknown()).default([]);

const ZExportTraceRequest = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: z.object({ attributes: ZAttributes }).default({ attributes: {} }),
        scopeSpans: z.array(z.object({ spans: ZSpans })).default([]),
        instrumentationLibrarySpans: z.array(z.object({ spans: ZSpans })).default([]),
      }),
    )
    .default([]),
});

export function normaliseTraces(input: unknown): NormalisedTraces {
  const parsed = ZExportTraceRequest.safeParse(input);
  if (!parsed.success) {
    const problem = zodProblem(parsed.error);
    throw new InvalidRequestError("body", `not an OTLP traces export: ${problem.message}`, problem.path || undefined);
  }
  const rejected = new Rejections();
  let acceptedSpans = 0;
  const resources = parsed.data.resourceSpans.map((rs, r) => {
    const groups = [
      ...rs.scopeSpans.map((g, s) => ({ spans: g.spans, at: `resourceSpans.${r}.scopeSpans.${s}` })),
      ...rs.instrumentationLibrarySpans.map((g, s) => ({ spans: g.spans, at: `resourceSpans.${r}.instrumentationLibrarySpans.${s}` })),
    ];
    const spans: NormalisedSpan[] = [];
    for (const { spans: raw, at } of groups) {
      raw.forEach((span, i) => {
        const one = ZSpan.safeParse(span);
        if (one.success) {
          spans.push(one.data);
          acceptedSpans++;
        } else {
          rejected.add(1, `${at}.spans.${i}: ${zodProblem(one.error).message}`);
        }
      });
    }
    return { attributes: rs.resource.attributes, spans };
  });
  return { resources, acceptedSpans, rejected };
}
