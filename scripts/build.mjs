#!/usr/bin/env node
// Builds dist/, so that start-up reads and compiles as little JavaScript as possible:
// - dist/start.cjs: where bin/layerlint.cjs starts, a small CommonJS file (a
//   CommonJS main skips Node's ES module loader); it runs the common command
//   line from dist/cli-fast.cjs and imports dist/cli.js for the rest;
// - dist/cli-fast.cjs: the lint command for the common command line, one
//   CommonJS file without yargs, loaded with a V8 code cache (src/cli/fast-load.ts);
//   it is also the pool workers' script. YAML is split out to
//   dist/chunks/yaml.cjs and required only when a YAML configuration or a
//   GitHub Actions workflow is read.
// - dist/cli.js: the full CLI (ESM), with every command in lazily loaded
//   chunks (formatters, yargs, the language server);
// - dist/index.js: the library.
// `--types` also emits .d.ts files.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
execFileSync(process.execPath, [join(root, "scripts/gen-rules.mjs")], { stdio: "inherit" });
rmSync(join(root, "dist"), { recursive: true, force: true });
const common = {
  absWorkingDir: root,
  // Reads its WebAssembly file from its own folder, so it stays a dependency on disk; loaded only for an HCL bake file.
  external: ["@cdktf/hcl2json"],
  bundle: true,
  platform: "node",
  target: "node20",
  legalComments: "none",
  // No "module" condition: vscode-languageserver-types (which dockerfile-ast
  // calls for every range it builds) would otherwise resolve to its ES module
  // build, which a bundle re-exports through property getters on every
  // require(); its CommonJS build has plain properties (the getters cost about
  // 2% of the in-process lint, bench/inprocess.mjs).
  conditions: [],
  logLevel: "warning",
};
const define = { __LAYERLINT_VERSION__: JSON.stringify(version) };

// YAML (a quarter of the dependencies' code) is needed only for a YAML configuration or a workflow.
await build({ ...common, entryPoints: { yaml: "yaml" }, outdir: "dist/chunks", outExtension: { ".js": ".cjs" }, format: "cjs" });
const lazyYaml = {
  name: "lazy-yaml",
  setup(b) {
    b.onResolve({ filter: /^yaml$/ }, () => ({ path: "yaml", namespace: "lazy-yaml" }));
    b.onLoad({ filter: /.*/, namespace: "lazy-yaml" }, () => ({
      // The functions layerlint calls (configuration: parse; workflows: parseDocument and the node tests), each loading the chunk on first use.
      contents:
        'let yaml; const load = () => (yaml ??= require(require("node:path").join(__dirname, "chunks", "yaml.cjs")));' +
        ["parse", "parseDocument", "isAlias", "isMap", "isScalar", "isSeq"].map((name) => `export function ${name}(...args) { return load().${name}(...args); }`).join(" "),
      loader: "js",
      resolveDir: root,
    }));
  },
};
await build({
  ...common,
  entryPoints: { "cli-fast": "src/cli/fast-bundle.ts" },
  outdir: "dist",
  outExtension: { ".js": ".cjs" },
  format: "cjs",
  // The fast path never parses with yargs; the full CLI loads it when it does.
  external: [...common.external, "yargs"],
  plugins: [lazyYaml],
  define: { ...define, "import.meta.url": "__layerlintModuleUrl" },
  banner: { js: 'const __layerlintModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
});
const fastBuild = createHash("sha256").update(readFileSync(join(root, "dist/cli-fast.cjs"))).digest("hex").slice(0, 16);

// ESM: each entry built on its own so that the CLI entry is one file (no chunk shared with the library).
const esm = {
  ...common,
  outdir: "dist",
  splitting: true,
  format: "esm",
  chunkNames: "chunks/[name]-[hash]",
  // Bundled CommonJS packages (dockerfile-ast, yargs' helpers) call require() for Node built-ins.
  banner: { js: "import { createRequire as __layerlintRequire } from 'node:module'; const require = __layerlintRequire(import.meta.url);" },
};
await build({
  ...common,
  entryPoints: { start: "src/cli/start.ts" },
  outdir: "dist",
  outExtension: { ".js": ".cjs" },
  format: "cjs",
  define: { ...define, __LAYERLINT_FAST_BUILD__: JSON.stringify(fastBuild), "import.meta.url": "__layerlintModuleUrl" },
  banner: { js: 'const __layerlintModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
});
await build({ ...esm, entryPoints: { cli: "src/cli.ts" }, define });
await build({ ...esm, entryPoints: { index: "src/index.ts" }, define });
if (process.argv.includes("--types")) {
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
}
