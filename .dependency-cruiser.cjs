// Architecture boundaries (DESIGN.md, "Boundaries"), checked by `npm run lint`:
//   depcruise --config .dependency-cruiser.cjs apps packages test
// test/lint/boundaries.test.ts proves every rule below fires on a violating file.
// Paths are matched relative to the repository root; npm workspace links are followed to their real
// path, so `@trellis/sidecar` is seen as `apps/sidecar/...`.

/** Prisma in any form: the client, its runtime and adapters, the CLI, and our generated clients. */
const PRISMA = [
  "(^|/)node_modules/@prisma/",
  "(^|/)node_modules/prisma/",
  "(^|/)node_modules/\\.prisma/",
  "^apps/control-plane/src/db/generated/",
];
const REACT = ["(^|/)node_modules/(react|react-dom|next|scheduler)/"];
/** Tests beside a module may use node:test, node:assert, node:fs for golden files; the module may not. */
const TEST_FILES = "\\.test\\.tsx?$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "mesh-model-imports-only-zod",
      comment:
        "packages/mesh-model is the shared language: zod schemas and pure functions. It may import zod and its own files only (no node:*, no I/O, no React, no Prisma, no app).",
      severity: "error",
      from: { path: "^packages/mesh-model/", pathNot: TEST_FILES },
      to: { pathNot: ["^packages/mesh-model/", "(^|/)node_modules/zod/"] },
    },
    {
      name: "mesh-model-no-node-builtins",
      comment: "mesh-model stays free of I/O: no node:* (or bare fs, path, ...) modules outside its tests.",
      severity: "error",
      from: { path: "^packages/mesh-model/", pathNot: TEST_FILES },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "no-app-imports-another-app",
      comment: "apps/X may not import apps/Y: share code through packages/ (mesh-model) instead.",
      severity: "error",
      from: { path: "^apps/([^/]+)/" },
      to: { path: "^apps/", pathNot: "^apps/$1/" },
    },
    {
      name: "prisma-only-in-control-plane-db",
      comment: "Prisma (and the generated clients) is imported only in apps/control-plane/src/db/; services get the client as a parameter.",
      severity: "error",
      from: { pathNot: "^apps/control-plane/src/db/" },
      to: { path: PRISMA },
    },
    {
      name: "console-never-imports-prisma",
      comment: "The console is a client of the control plane's API only: no Prisma, no database drivers.",
      severity: "error",
      from: { path: "^apps/console/" },
      to: { path: [...PRISMA, "(^|/)node_modules/(pg|@libsql/client|better-sqlite3)/"] },
    },
    {
      name: "sidecar-no-react-or-prisma",
      comment: "The sidecar is a proxy: no React/Next, no Prisma.",
      severity: "error",
      from: { path: "^apps/sidecar/" },
      to: { path: [...REACT, ...PRISMA] },
    },
  ],
  options: {
    // Generated clients and build output are not our code: don't crawl into them. A dependency *on*
    // them still shows (so the Prisma rules see it), because doNotFollow keeps the target module.
    doNotFollow: { path: ["(^|/)node_modules/", "^apps/control-plane/src/db/generated/"] },
    exclude: { path: ["(^|/)\\.next/", "^apps/control-plane/src/db/generated/.*\\.(wasm|node)$"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "types", "default"],
      mainFields: ["module", "main", "types", "typings"],
      extensions: [".ts", ".tsx", ".d.ts", ".js", ".mjs", ".cjs", ".jsx", ".json"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
