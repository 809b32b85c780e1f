import type { TextEdit } from "../engine/types.js";
import type { Instruction, ParsedDockerfile } from "../parse/index.js";
import { deleteInstruction } from "./edits.js";

/**
 * Edits that join shell commands into an existing RUN: appending a cleanup,
 * prepending an index update, merging two RUNs. They refuse (return null)
 * whenever the joined script could behave differently from the two parts
 * run one after the other as separate steps.
 */

/** How a script's commands are chained at the top level. */
export type Chain = "&&" | ";";

/**
 * `&&` when the script's commands are joined only by `&&` and pipes (so a
 * failure stops it); `;` when it starts with `set -e` (so `;` also stops on
 * failure); null otherwise (`||`, `&`, `;` without `set -e`, newlines).
 */
export function chainOf(script: string): Chain | null {
  let quote = "";
  let semicolon = false;
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = "";
      continue;
    }
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "'" || c === '"' || c === "`") {
      quote = c;
      continue;
    }
    if (c === "#" && (i === 0 || /\s/.test(script[i - 1]))) return null;
    if (c === "\n" || c === "(" || c === ")" || c === "{" || c === "}") return null;
    if (c === "$" && script[i + 1] === "(") return null;
    if (c === "&") {
      if (script[i + 1] !== "&") return null;
      i++;
    } else if (c === "|") {
      if (script[i + 1] === "|") return null;
    } else if (c === ";") semicolon = true;
  }
  if (quote) return null;
  if (!semicolon) return "&&";
  return /^\s*set\s+-[a-zA-Z]*e/.test(script) ? ";" : null;
}

/**
 * Where a shell-form RUN's script starts in the text (after the keyword and
 * flags), or null for the exec form, heredocs, or a RUN without a script.
 */
export function scriptStart(ins: Instruction): number | null {
  if (ins.keyword !== "RUN" || ins.json || ins.heredocs.length > 0 || ins.args.length === 0 || ins.onbuild) return null;
  return ins.args[0].range.start.offset;
}

/** The script as written in the file, continuations and comment lines kept. */
export function scriptSource(file: ParsedDockerfile, ins: Instruction): string | null {
  const start = scriptStart(ins);
  if (start === null) return null;
  return file.text.slice(start, ins.range.end.offset).replace(/(?<![ \t])[ \t]+$/, "");
}

/** Whether the last line of a RUN ends in a shell comment, after which appended text would be commented out. */
function endsInComment(file: ParsedDockerfile, ins: Instruction): boolean {
  const end = ins.range.end.offset;
  const lineStart = file.text.lastIndexOf("\n", end - 1) + 1;
  const last = file.text.slice(lineStart, end);
  let quote = "";
  for (let i = 0; i < last.length; i++) {
    const c = last[i];
    if (quote) {
      if (c === quote) quote = "";
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(last[i - 1]))) return true;
  }
  return false;
}

/** `offset` moved back over spaces and tabs: a walk, not a regex over the text before it (quadratic over a file's RUNs). */
function endBeforeBlanks(text: string, offset: number): number {
  let end = offset;
  while (end > 0 && (text[end - 1] === " " || text[end - 1] === "\t")) end--;
  return end;
}

/**
 * Appends `command` at the end of a RUN's script (` && command`, or
 * `; command` after `set -e`), on its last line.
 */
export function appendToRun(file: ParsedDockerfile, ins: Instruction, command: string): TextEdit | null {
  if (scriptStart(ins) === null || endsInComment(file, ins)) return null;
  const chain = chainOf(ins.argText);
  if (chain === null) return null;
  const end = endBeforeBlanks(file.text, ins.range.end.offset);
  return { range: [end, end], text: chain === "&&" ? ` && ${command}` : `; ${command}` };
}

/**
 * Merges `later` into `earlier` (the RUN just before it): `later`'s script,
 * as written, is appended to `earlier`'s on a continuation line, and
 * `later` is deleted. Both must be plain shell-form RUNs with the same
 * flags, and the joined script must stop on the first failure as the two
 * steps did.
 */
export function mergeRunInto(file: ParsedDockerfile, earlier: Instruction, later: Instruction): TextEdit[] | null {
  const laterScript = scriptSource(file, later);
  if (scriptStart(earlier) === null || laterScript === null || endsInComment(file, earlier)) return null;
  if (flagText(file, earlier) !== flagText(file, later)) return null;
  const first = chainOf(earlier.argText);
  const second = chainOf(later.argText);
  if (first === null || second === null) return null;
  // `a ; b` joined with `&&` would let `b` run after a failure unless `set -e` leads the whole script.
  const chain: Chain = first === ";" ? ";" : second === "&&" ? "&&" : first;
  if (chain === "&&" && second === ";") return null;
  const end = endBeforeBlanks(file.text, earlier.range.end.offset);
  const joined = `${chain === "&&" ? " &&" : ";"} ${file.directives.escape}${file.source.eol}    ${laterScript}`;
  return [{ range: [end, end], text: joined }, deleteInstruction(file, later)];
}

/**
 * Prepends `command` to a RUN's script (`command && rest`), on its own
 * continuation line so that the RUN's first line stays readable.
 */
export function prependToRun(file: ParsedDockerfile, ins: Instruction, command: string): TextEdit | null {
  const start = scriptStart(ins);
  if (start === null) return null;
  const chain = chainOf(ins.argText);
  if (chain === null) return null;
  if (chain === ";") {
    // `set -eux; a; b`: the command goes after `set -e`, which then covers it too.
    const script = file.text.slice(start, ins.range.end.offset);
    const m = /^set\s+-[a-zA-Z]+\s*;[ \t]*/.exec(script);
    if (!m) return null;
    const at = start + m[0].length;
    return { range: [at, at], text: `${command}; ` };
  }
  return { range: [start, start], text: `${command} && ${file.directives.escape}${file.source.eol}    ` };
}

/** The flags of an instruction as written, in order, for comparing two RUNs. */
export function flagText(file: ParsedDockerfile, ins: Instruction): string {
  return ins.flags.map((f) => file.text.slice(f.range.start.offset, f.range.end.offset)).join(" ");
}
