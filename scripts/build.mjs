#!/usr/bin/env node
// Builds dist/: one bundled ESM file per entry (cli, library) with lazily
// loaded chunks (formatters, commands, the language server), so start-up
// reads as little JavaScript as possible. `--types` also emits .d.ts files.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
execFileSync(process.execPath, [join(root, "scripts/gen-rules.mjs")], { stdio: "inherit" });
rmSync(join(root, "dist"), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { cli: "src/cli.ts", index: "src/index.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "chunks/[name]-[hash]",
  legalComments: "none",
  define: { __LAYERLINT_VERSION__: JSON.stringify(version) },
  logLevel: "warning",
  // Bundled CommonJS packages (dockerfile-ast, yargs' helpers) call require() for Node built-ins.
  banner: { js: "import { createRequire as __layerlintRequire } from 'node:module'; const require = __layerlintRequire(import.meta.url);" },
});
if (process.argv.includes("--types")) {
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
}
