import { dirname } from "node:path";
import { buildsInScript } from "./command.js";
import { fromCommand } from "./workflows.js";
import { withoutComment } from "./compose.js";
import type { Declaration } from "./types.js";

/**
 * Makefiles: each recipe line runs in its own shell, in the Makefile's
 * folder. Variables assigned in the file (`=`, `:=`, `::=`, `?=`) are
 * expanded; `$(shell ...)`, functions and variables from elsewhere are
 * not known, which makes the build that uses them unknown.
 */
export function makeDeclarations(file: string, text: string): Declaration[] {
  const vars = new Map<string, string>();
  const out: Declaration[] = [];
  let target = "";
  for (const line of logicalLines(text)) {
    if (line.startsWith("\t")) {
      const recipe = line.slice(1).replace(/^[@+-]+/, "");
      const shell = expandMake(recipe, vars);
      for (const b of buildsInScript(shell, { cwd: dirname(file) })) out.push(fromCommand("make", file, target || "recipe", b));
      continue;
    }
    const assign = /^(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(::=|:=|\?=|\+=|=)(.*)$/.exec(line);
    if (assign) {
      const [, name, op, value] = assign;
      if (op === "?=" && vars.has(name)) continue;
      const expanded = expandMake(withoutComment(value).trim(), vars);
      vars.set(name, op === "+=" && vars.has(name) ? `${vars.get(name)} ${expanded}` : expanded);
      continue;
    }
    // A rule line, `name other: prerequisites`: its first target names the recipes below it.
    const colon = line.indexOf(":");
    const head = colon > 0 ? line.slice(0, colon) : "";
    if (head.trim() !== "" && line[colon + 1] !== "=" && !/[#=]/.test(head)) target = head.trim().split(/\s+/)[0];
  }
  return out;
}

/** Lines with `\` continuations joined (recipe lines keep their leading tab) and comments outside recipes dropped. */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  let acc: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line: string = acc === null ? raw : acc + " " + raw.replace(/^\t/, "").trimStart();
    if (line.endsWith("\\")) {
      acc = line.slice(0, -1);
      continue;
    }
    acc = null;
    if (!line.startsWith("\t") && line.trimStart().startsWith("#")) continue;
    out.push(line);
  }
  if (acc !== null) out.push(acc);
  return out;
}

/**
 * Make's own expansion, before the shell sees the line: `$$` is a dollar,
 * `$(NAME)` / `${NAME}` a variable. What make would compute (a function, an
 * unknown variable) becomes a command substitution, which the shell reader
 * treats as unresolved.
 */
function expandMake(text: string, vars: ReadonlyMap<string, string>): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== "$") {
      out += c;
      continue;
    }
    const next = text[i + 1];
    if (next === "$") {
      out += "$";
      i++;
    } else if (next === "(" || next === "{") {
      const close = next === "(" ? ")" : "}";
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === next) depth++;
        else if (text[j] === close && --depth === 0) break;
      }
      const name = text.slice(i + 2, j).trim();
      const v = /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name) ? vars.get(name) : undefined;
      out += v ?? `$(make ${name.replace(/[()]/g, "")})`;
      i = j;
    } else if (next !== undefined && /[A-Za-z@<^*?]/.test(next)) {
      out += vars.get(next) ?? `$(make ${next})`;
      i++;
    } else out += c;
  }
  return out;
}

/**
 * Shell scripts: assumed to run from the repository root (`./scripts/build.sh`),
 * unless they change to their own folder first, which the usual idioms
 * (`cd "$(dirname "$0")"`, `DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"`) say.
 */
export function scriptDeclarations(file: string, text: string, root: string): Declaration[] {
  const script = text.replace(OWN_FOLDER, dirname(file));
  return buildsInScript(script, { cwd: root }).map((b) => fromCommand("script", file, `line ${b.line + 1}`, b));
}

const SELF = String.raw`\$\(dirname\s+"?(?:\$0|\$\{0\}|\$\{BASH_SOURCE(?:\[0\])?\}|\$BASH_SOURCE)"?\)`;
/** `$(dirname "$0")`, `$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)` and their like: the script's folder. */
const OWN_FOLDER = new RegExp(String.raw`\$\(cd\s+"?${SELF}"?\s*(?:(?:&?>\s*/dev/null\s*)?&&\s*pwd(?:\s+-P)?\s*)?\)|${SELF}`, "g");
