// A minimal reader of a sidecar's SSE config stream for the cross-process tests: the `bundle` events
// parsed with mesh-model's schema. (apps/control-plane/fixtures/sse-client.ts iterates a body the DOM
// typings of test/ do not know as iterable; this one reads it through getReader.)
import { ZBundle, type Bundle } from "@trellis/mesh-model";

export interface ConfigStream {
  /** The next bundle, or a rejection after `timeoutMs` or when the stream ends. */
  next(timeoutMs?: number): Promise<Bundle>;
  /** Reads bundles until one satisfies `predicate`, within `timeoutMs` in all. */
  until(predicate: (b: Bundle) => boolean, timeoutMs?: number): Promise<Bundle>;
  close(): void;
}

export async function openConfigStream(url: string, headers: Record<string, string> = {}): Promise<ConfigStream> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal, headers: { accept: "text/event-stream", ...headers } });
  if (res.status !== 200 || !res.body) throw new Error(`config stream ${url}: ${res.status} ${await res.text()}`);
  const queue: Bundle[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const reader = res.body.getReader();
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split("\n");
          if (!lines.includes("event: bundle")) continue;
          const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
          queue.push(ZBundle.parse(JSON.parse(data)));
          wake?.();
        }
      }
      failure = new Error("config stream ended");
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
    }
    wake?.();
  })();

  const next = async (timeoutMs = 10_000): Promise<Bundle> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = queue.shift();
      if (ready) return ready;
      if (failure) throw failure;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no bundle within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        };
      });
    }
  };
  return {
    next,
    async until(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const b = await next(Math.max(1, deadline - Date.now()));
        if (predicate(b)) return b;
      }
    },
    close: () => abort.abort(),
  };
}
