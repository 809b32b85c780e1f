import { dirname, resolve } from "node:path";
// The ES module build: the package's main is a UMD file whose relative require() calls a bundle cannot follow.
import { parse, printParseErrorCode, type ParseError } from "jsonc-parser/lib/esm/main.js";
import { isObject } from "./compose.js";
import type { Declaration } from "./types.js";

/**
 * `devcontainer.json` (JSON with comments and trailing commas, read with
 * VS Code's own jsonc-parser): `build.dockerfile` and `build.context`,
 * both relative to the file's folder, or the older top-level
 * `dockerFile` / `context`. `${localEnv:X}` and other substitutions make
 * the declaration unknown.
 */
export function devcontainerDeclarations(file: string, text: string): Declaration[] {
  const errors: ParseError[] = [];
  const data = parse(text, errors, { allowTrailingComma: true, disallowComments: false }) as unknown;
  if (errors.length > 0) throw new Error(`invalid JSON: ${printParseErrorCode(errors[0].error)} at offset ${errors[0].offset}`);
  if (!isObject(data)) return [];
  const build = isObject(data.build) ? data.build : {};
  const dockerfile = build.dockerfile ?? build.dockerFile ?? data.dockerFile ?? data.dockerfile;
  if (typeof dockerfile !== "string") return [];
  const context = typeof build.context === "string" ? build.context : typeof data.context === "string" ? data.context : ".";
  const dir = dirname(file);
  const decl: Declaration = { kind: "devcontainer", file, at: isObject(data.build) ? "build" : "dockerFile", dockerfile: null, context: null, args: {} };
  const substituted = [dockerfile, context, build.target, ...Object.values(isObject(build.args) ? build.args : {})].find((v) => typeof v === "string" && v.includes("${"));
  if (substituted !== undefined) decl.unknown = String(substituted);
  decl.dockerfile = resolve(dir, dockerfile);
  decl.context = resolve(dir, context);
  if (typeof build.target === "string") decl.target = build.target;
  if (isObject(build.args)) for (const [k, v] of Object.entries(build.args)) decl.args[k] = String(v);
  return [decl];
}
