import type { Instruction as AstInstruction, Flag as AstFlag } from "dockerfile-ast";
import type { SourceText } from "../read.js";
import { parseAst, withArgumentsMemo } from "./ast.js";
import { lineEndOffset, lineStartsOf, positionAt, positionOfOffset, rangeOfOffsets } from "./lines.js";
import type {
  Comment,
  Directives,
  Flag,
  Heredoc,
  Instruction,
  Mount,
  ParsedDockerfile,
  ParseProblem,
  Range,
  Stage,
  Word,
} from "./types.js";

export type * from "./types.js";
export { positionOfOffset, rangeOfOffsets } from "./lines.js";

/** Instructions whose arguments may open heredocs (BuildKit's Dockerfile 1.4+). */
const HEREDOC_KEYWORDS = new Set(["RUN", "COPY", "ADD"]);
/** The heredocs of an instruction that cannot have any: never handed out (each instruction gets its own array). */
const NO_HEREDOCS: Heredoc[] = [];
/** Instructions that take `--flag` options before their arguments. */
const FLAG_KEYWORDS = new Set(["FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"]);

/**
 * dockerfile-ast finds instruction boundaries, keywords, flags and word
 * ranges; everything it gets wrong (heredoc bodies leaking into arguments,
 * JSON strings with spaces, comment lines inside continuations, quadratic
 * variable resolution) is redone here once, in linear passes, so that
 * rules never touch dockerfile-ast.
 */
export function parse(source: SourceText, path = "<input>"): ParsedDockerfile {
  return withArgumentsMemo(() => parseFile(source, path));
}

function parseFile(source: SourceText, path: string): ParsedDockerfile {
  const text = source.text;
  const lineStarts = lineStartsOf(text);
  // dockerfile-ast counts a lone CR as a line break; BuildKit (and lineStarts) do not.
  // A space of the same length keeps its lines and offsets in step with ours.
  const ast = parseAst(text.includes("\r") ? text.replace(/\r(?!\n)/g, " ") : text);
  const escape = ast.getEscapeCharacter();
  const problems: ParseProblem[] = [];
  const at = (r: { start: { line: number; character: number }; end: { line: number; character: number } }): Range => ({
    start: positionAt(lineStarts, text.length, r.start.line, r.start.character),
    end: positionAt(lineStarts, text.length, r.end.line, r.end.character),
  });

  const { directives, lines: directiveLines } = readDirectives(text, escape);
  // dockerfile-ast takes any `# key=value` line at the top for a directive (`# hadolint ignore=DL3006`
  // too); BuildKit reads only its own keys there, and the rest are comments, ignore comments among them.
  const comments: Comment[] = [];
  for (const d of ast.getDirectives()) {
    const r = at(d.getRange());
    if (r.start.line < directiveLines) continue;
    const line = text.slice(lineStarts[r.start.line], lineEndOffset(text, lineStarts, r.start.line));
    const hash = line.indexOf("#");
    comments.push({ text: line.slice(hash + 1).trim(), range: rangeOfOffsets(lineStarts, lineStarts[r.start.line] + hash, lineStarts[r.start.line] + line.length) });
  }
  for (const c of ast.getComments()) comments.push({ text: c.getContent().trim(), range: at(c.getRange()) });

  const file: ParsedDockerfile = {
    path,
    source,
    text,
    lineStarts,
    directives,
    comments,
    globalArgs: [],
    stages: [],
    instructions: [],
    problems,
  };

  let nextId = 0;
  const convert = (node: AstInstruction, keyword: string, stage: Stage | null, onbuild: Instruction | null): Instruction => {
    const range = at(node.getRange());
    const keywordRange = at(node.getInstructionRange());
    const logical = logicalLine(text, lineStarts, keywordRange.end.offset, range.end.offset, escape);
    const heredocs = HEREDOC_KEYWORDS.has(keyword) ? readHeredocs(text, lineStarts, logical, range, problems) : NO_HEREDOCS;
    const logicalEnd = logical.end;
    const takesFlags = FLAG_KEYWORDS.has(keyword);
    // Plain loops rather than map/filter chains: this runs for every instruction of every file.
    const flags: Flag[] = [];
    const mounts: Mount[] = [];
    if (takesFlags && "getFlags" in node) {
      for (const f of (node as unknown as { getFlags(): AstFlag[] }).getFlags()) {
        const flag: Flag = { name: f.getName(), value: f.getValue(), range: at(f.getRange()) };
        flags.push(flag);
        if (flag.name.toLowerCase() === "mount") mounts.push(toMount(flag));
      }
    }
    const args: Word[] = [];
    for (const a of node.getArguments()) {
      const r = at(a.getRange());
      if (r.start.offset < logicalEnd) args.push({ value: a.getValue(), range: r });
    }
    const argText = takesFlags ? stripFlags(logical.text) : logical.text.trim();
    const ins: Instruction = {
      id: nextId++,
      keyword,
      range: heredocs.length > 0 ? { start: range.start, end: heredocs[heredocs.length - 1].range.end } : range,
      keywordRange,
      flags,
      mounts,
      args,
      argText,
      json: jsonForm(argText),
      heredocs: heredocs === NO_HEREDOCS ? [] : heredocs,
      stage,
      trigger: null,
      onbuild,
      source: "",
    };
    ins.source = text.slice(ins.range.start.offset, ins.range.end.offset);
    if (keyword === "ONBUILD" && "getTriggerInstruction" in node) {
      const trigger = (node as unknown as { getTriggerInstruction(): AstInstruction | null }).getTriggerInstruction();
      if (trigger) ins.trigger = convert(trigger, trigger.getKeyword(), stage, ins);
    }
    return ins;
  };

  let stage: Stage | null = null;
  // The first stage of each name, so that finding a FROM's base stage is not a scan of every stage.
  const stagesByName = new Map<string, Stage>();
  for (const node of ast.getInstructions()) {
    // getKeyword() is already upper case (upper-casing again changes no string).
    const keyword = node.getKeyword();
    if (keyword === "FROM") {
      const from = convert(node, keyword, null, null);
      stage = newStage(file.stages, from, stagesByName);
      if (stage.name !== null && !stagesByName.has(stage.name)) stagesByName.set(stage.name, stage);
      from.stage = stage;
      file.stages.push(stage);
      file.instructions.push(from);
      continue;
    }
    const ins = convert(node, keyword, stage, null);
    file.instructions.push(ins);
    if (stage) stage.instructions.push(ins);
    else if (keyword === "ARG") file.globalArgs.push(ins);
    else problems.push({ message: `${keyword} before the first FROM: only ARG may come before FROM`, range: ins.keywordRange });
  }
  return file;
}

function newStage(stages: Stage[], from: Instruction, stagesByName: ReadonlyMap<string, Stage>): Stage {
  const words = from.argText.split(/\s+/).filter(Boolean);
  const base = words[0] ?? "";
  const name = words.length >= 3 && words[1].toUpperCase() === "AS" ? words[2].toLowerCase() : null;
  const baseStage = stagesByName.get(base.toLowerCase()) ?? null;
  return { index: stages.length, name, from, base, baseStage, instructions: [] };
}

/**
 * BuildKit reads parser directives from the comment lines at the top of
 * the file, stopping at the first line that is not one. Also returns how
 * many lines they take.
 */
function readDirectives(text: string, escape: string): { directives: Directives; lines: number } {
  const directives: Directives = { syntax: null, escape, check: null };
  let lines = 0;
  // The value is trimmed in code: `(.*?)[ \t]*$` backtracks quadratically on a long run of blanks.
  const re = /^[ \t]*#[ \t]*([A-Za-z]+)[ \t]*=(.*?)\r?$/;
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf("\n", start);
    const line = text.slice(start, nl === -1 ? text.length : nl);
    const m = re.exec(line);
    if (!m) break;
    const key = m[1].toLowerCase();
    const value = m[2].replace(/^[ \t]+/, "").replace(/(?<![ \t])[ \t]+$/, "");
    if (key === "syntax") directives.syntax = value;
    else if (key === "check") directives.check = value;
    else if (key !== "escape") break;
    lines++;
    if (nl === -1) break;
    start = nl + 1;
  }
  return { directives, lines };
}

interface LogicalLine {
  text: string;
  /** Offset just past the physical line that ends the logical line. */
  end: number;
  /** Index of the physical line that ends it. */
  lastLine: number;
}

/**
 * Joins the instruction's continuation lines the way BuildKit does: the
 * escape character at the end of a line (trailing blanks allowed) joins the
 * next line, and comment or empty lines inside a continuation are dropped.
 */
function logicalLine(text: string, lineStarts: number[], from: number, limit: number, escape: string): LogicalLine {
  let line = lineOf(lineStarts, from);
  let pos = from;
  let out = "";
  let first = true;
  for (;;) {
    const end = lineEndOffset(text, lineStarts, line);
    const physical = text.slice(pos, end);
    if (!first && isBlankOrComment(physical)) {
      if (line + 1 >= lineStarts.length || lineStarts[line + 1] > limit) return { text: out, end, lastLine: line };
      line++;
      pos = lineStarts[line];
      continue;
    }
    first = false;
    const trimmed = trimTrailingBlanks(physical);
    if (trimmed.endsWith(escape) && line + 1 < lineStarts.length && lineStarts[line + 1] <= limit) {
      out += trimmed.slice(0, -escape.length);
      line++;
      pos = lineStarts[line];
      continue;
    }
    out += physical;
    return { text: out, end, lastLine: line };
  }
}

/** `/^[ \t]*(#.*)?$/.test(s)` without a regex: blanks only, or blanks and a comment (`.` stops at line terminators). */
function isBlankOrComment(s: string): boolean {
  let i = 0;
  while (i < s.length && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
  if (i === s.length) return true;
  if (s.charCodeAt(i) !== 35) return false;
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return false;
  }
  return true;
}

/** `s.replace(/(?<![ \t])[ \t]+$/, "")` without a regex: trailing spaces and tabs removed. */
function trimTrailingBlanks(s: string): string {
  let end = s.length;
  while (end > 0 && (s.charCodeAt(end - 1) === 32 || s.charCodeAt(end - 1) === 9)) end--;
  return end === s.length ? s : s.slice(0, end);
}

function lineOf(lineStarts: number[], offset: number): number {
  return positionOfOffset(lineStarts, offset).line;
}

/** `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'`; not `<<<` (a here-string). */
const HEREDOC_MARKER = /(?<![<\w])<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\2/g;

function readHeredocs(
  text: string,
  lineStarts: number[],
  logical: LogicalLine,
  range: Range,
  problems: ParseProblem[],
): Heredoc[] {
  // Every marker starts with `<<`: most instructions have none, and need no scan.
  if (!logical.text.includes("<<")) return NO_HEREDOCS;
  const markers = [...unquotedMatches(logical.text, HEREDOC_MARKER)];
  if (markers.length === 0) return NO_HEREDOCS;
  const heredocs: Heredoc[] = [];
  let line = logical.lastLine + 1;
  for (const m of markers) {
    const stripTabs = m[1] === "-";
    const name = m[3];
    const bodyStart = line < lineStarts.length ? lineStarts[line] : text.length;
    const body: string[] = [];
    let closed = false;
    let delimiterEnd = text.length;
    while (line < lineStarts.length && lineStarts[line] < text.length) {
      const end = lineEndOffset(text, lineStarts, line);
      let content = text.slice(lineStarts[line], end);
      if (stripTabs) content = content.replace(/^\t+/, "");
      line++;
      if (content === name) {
        closed = true;
        delimiterEnd = end;
        break;
      }
      body.push(content);
    }
    const r = rangeOfOffsets(lineStarts, bodyStart, delimiterEnd);
    if (!closed) {
      problems.push({ message: `unterminated heredoc <<${name}: no line "${name}" closes it`, range: { start: range.start, end: r.end } });
    }
    heredocs.push({
      name,
      body: body.length > 0 ? body.join("\n") + "\n" : "",
      stripTabs,
      quoted: m[2] !== "",
      range: r,
    });
  }
  return heredocs;
}

/** Regex matches that do not start inside single or double quotes. */
function* unquotedMatches(s: string, re: RegExp): Generator<RegExpExecArray> {
  re.lastIndex = 0;
  let quote = "";
  let scanned = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    for (; scanned < m.index; scanned++) {
      const c = s[scanned];
      if (quote) {
        if (c === quote) quote = "";
      } else if (c === '"' || c === "'") quote = c;
    }
    if (!quote) yield m;
  }
}

/** Removes leading `--flag` / `--flag=value` words (value quotes respected). */
function stripFlags(s: string): string {
  let i = 0;
  for (;;) {
    while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
    if (!s.startsWith("--", i)) return s.slice(i).trim();
    let quote = "";
    while (i < s.length) {
      const c = s[i];
      if (quote) {
        if (c === quote) quote = "";
      } else if (c === '"' || c === "'") quote = c;
      else if (c === " " || c === "\t") break;
      i++;
    }
  }
}

/**
 * The exec form, read from the raw JSON text: dockerfile-ast's own JSON
 * values lose spaces and escapes inside strings.
 */
function jsonForm(argText: string): string[] | null {
  const t = argText.trim();
  if (!t.startsWith("[") || !t.endsWith("]")) return null;
  try {
    const v: unknown = JSON.parse(t);
    return Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : null;
  } catch {
    return null;
  }
}

/** `--mount=type=cache,target=/root/.npm,sharing=locked` into its options. */
function toMount(flag: Flag): Mount {
  const options: Record<string, string> = {};
  for (const part of splitCsv(flag.value ?? "")) {
    const eq = part.indexOf("=");
    const key = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (key) options[key] = eq === -1 ? "true" : part.slice(eq + 1).trim();
  }
  const pick = (...keys: string[]): string | null => {
    for (const k of keys) if (k in options) return options[k];
    return null;
  };
  return {
    type: (options.type ?? "bind").toLowerCase(),
    target: pick("target", "dst", "destination"),
    source: pick("source", "src"),
    from: pick("from"),
    options,
    range: flag.range,
  };
}

/** BuildKit reads mount options as CSV: commas inside quotes do not split. */
function splitCsv(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote = "";
  for (const c of s) {
    if (quote) {
      if (c === quote) quote = "";
      else cur += c;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ",") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}
