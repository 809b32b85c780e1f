import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/fixtures.js";

/**
 * `layerlint Dockerfile` must not pay for the language server: in the
 * built CLI, the server library may only be reachable through the lazily
 * imported `lsp` command.
 */
const STATIC_IMPORT = /^\s*(?:import|export)\s[^;]*?from\s*"(\.[^"]+)"|^\s*import\s*"(\.[^"]+)"/gm;
const DYNAMIC_IMPORT = /import\("(\.[^"]+)"\)/g;

function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, "utf8").matchAll(STATIC_IMPORT)) visit(join(dirname(file), m[1] ?? m[2]));
  };
  visit(entry);
  return seen;
}

describe("lazy loading of the language server", () => {
  it("the lint path of the built CLI does not load vscode-languageserver", () => {
    const cli = join(ROOT, "dist", "cli.js");
    expect(existsSync(cli), "run node scripts/build.mjs first").toBe(true);
    const lazy = [...readFileSync(cli, "utf8").matchAll(DYNAMIC_IMPORT)].map((m) => join(ROOT, "dist", m[1]));
    const lintChunk = lazy.find((f) => /\/lint-[^/]+\.js$/.test(f));
    const lspChunk = lazy.find((f) => /\/lsp-[^/]+\.js$/.test(f));
    expect(lintChunk).toBeDefined();
    expect(lspChunk).toBeDefined();
    const lintPath = new Set([...staticClosure(cli), ...staticClosure(lintChunk as string)]);
    const serverLibrary = "node_modules/vscode-languageserver/lib/";
    for (const file of lintPath) expect(readFileSync(file, "utf8").includes(serverLibrary), file).toBe(false);
    // The marker does find the library where it is: the test can fail.
    const lspPath = [...staticClosure(lspChunk as string)];
    expect(lspPath.some((f) => readFileSync(f, "utf8").includes(serverLibrary))).toBe(true);
  });
});
