// Prisma's schema engine as WebAssembly (@prisma/schema-engine-wasm), driven through our driver
// adapters, so migrations need no native engine download. Node 20 cannot `import` a .wasm file, so the
// module is instantiated by hand, once per process, and wired to its wasm-bindgen glue.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as glue from "@prisma/schema-engine-wasm/schema_engine_bg";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";

export type SchemaEngine = glue.SchemaEngine;

// The ES2023 lib has no WebAssembly types (they come with lib.dom); these are the members used here.
declare namespace WebAssembly {
  type ModuleImports = Record<string, unknown>;
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, ModuleImports>);
    readonly exports: Record<string, unknown>;
  }
}

export class SchemaEngineError extends Error {
  readonly code = "schema_engine_failed";
}

let instantiated = false;

function instantiate(): void {
  if (instantiated) return;
  const require = createRequire(import.meta.url);
  const wasmPath = join(dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg")), "schema_engine_bg.wasm");
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const instance = new WebAssembly.Instance(module, { "./schema_engine_bg.js": withUnrefTimers(glue) });
  glue.__wbg_set_wasm(instance.exports);
  const start = instance.exports.__wbindgen_start;
  if (typeof start !== "function") throw new SchemaEngineError("schema engine wasm has no __wbindgen_start export");
  start();
  instantiated = true;
}

/**
 * Runs `work` with a schema engine connected through `factory`, then frees the engine and disposes every
 * connection it opened (the engine does not always dispose them, and an open pg pool keeps Node alive).
 */
export async function withSchemaEngine<T>(
  schema: { path: string; content: string },
  factory: SqlMigrationAwareDriverAdapterFactory,
  work: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  instantiate();
  const tracked = trackConnections(factory);
  const engine = await glue.SchemaEngine.new(
    { datamodels: [[schema.path, schema.content]] },
    // The engine's debug log; its failures arrive as rejected calls, with the message that matters.
    () => undefined,
    bindMigrationAwareSqlAdapterFactory(tracked.factory),
  );
  try {
    return await work(engine);
  } catch (error) {
    throw new SchemaEngineError(describe(error), { cause: error });
  } finally {
    engine.free();
    await tracked.disposeAll();
  }
}

/**
 * The engine arms timers (connection timeouts) that outlive `free()`; left as they are, they keep Node
 * alive for seconds after the database is closed. Nothing waits on them, so they may be unref'd.
 */
function withUnrefTimers(imports: typeof glue): WebAssembly.ModuleImports {
  const wrapped: WebAssembly.ModuleImports = { ...imports };
  for (const name of Object.keys(wrapped).filter((key) => key.startsWith("__wbg_setTimeout_"))) {
    wrapped[name] = (callback: () => void, ms: number) => setTimeout(callback, ms >>> 0).unref();
  }
  return wrapped;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string") return error.message;
  return String(error);
}

function trackConnections(factory: SqlMigrationAwareDriverAdapterFactory) {
  const open = new Set<SqlDriverAdapter>();
  const once = (adapter: SqlDriverAdapter): SqlDriverAdapter => {
    open.add(adapter);
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      if (!open.delete(adapter)) return;
      await dispose();
    };
    return adapter;
  };
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => once(await factory.connect()),
    connectToShadowDb: async () => once(await factory.connectToShadowDb()),
  };
  return {
    factory: tracked,
    disposeAll: async () => {
      for (const adapter of [...open]) await adapter.dispose();
    },
  };
}
