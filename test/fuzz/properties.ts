import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLValidator } from "fast-xml-parser";
import { rules } from "../../rules/index.js";
import type { Finding, SeveritySetting, TextEdit } from "../../src/engine/types.js";
import { applyFixesOnce, MAX_PASSES } from "../../src/fix/apply.js";
import { fixInvariantViolations } from "../../src/fix/invariant.js";
import { FORMAT_NAMES, loadFormatter, type Formatter } from "../../src/formatters/index.js";
import { fixSource, keepFinalNewline, lintSource, type LintOptions } from "../../src/lint.js";
import { loadContext, type BuildContext } from "../../src/model/index.js";
import { parse, type Range } from "../../src/parse/index.js";
import { encode, fromString, type SourceText } from "../../src/read.js";

/**
 * The invariants every input must keep, checked by the fuzz tests and the
 * soak: each returns normally or throws an Error that says which one broke.
 */

/** Every rule on, off-by-default ones included: that is where untested paths hide. */
export const ALL_RULES: Record<string, SeveritySetting> = Object.fromEntries(rules.map((r) => [r.id, r.meta.severity]));

/** A build context on disk with the manifests the ecosystems look for, so context-aware rules run. */
export function fuzzContext(): BuildContext {
  const dir = mkdtempSync(join(tmpdir(), "layerlint-fuzz-ctx-"));
  const files: Record<string, string> = {
    "package.json": "{}",
    "package-lock.json": "{}",
    "requirements.txt": "flask\n",
    "go.mod": "module x\n",
    "go.sum": "",
    Gemfile: "",
    "Gemfile.lock": "",
    "Cargo.toml": "",
    "src/index.js": "",
    "src/main.go": "",
    ".dockerignore": "node_modules\n*.md\n!README.md\n",
    "README.md": "",
    "docs/a.md": "",
  };
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return loadContext(dir);
}

export type Formatters = ReadonlyMap<string, Formatter>;

export async function loadAllFormatters(): Promise<Formatters> {
  const out = new Map<string, Formatter>();
  for (const name of FORMAT_NAMES) out.set(name, await loadFormatter(name));
  return out;
}

export interface CheckOptions {
  context: BuildContext | null;
  formatters: Formatters;
  /** Also run the fix properties (the costlier half). */
  fix: boolean;
  unsafe?: boolean;
}

export function fail(what: string, detail?: unknown): never {
  throw new Error(`${what}${detail === undefined ? "" : `: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`}`);
}

/** Lines and columns consistent with offsets, offsets inside the text, start before end. */
export function checkRange(range: Range, text: string, lineStarts: readonly number[], what: string): void {
  for (const p of [range.start, range.end]) {
    if (!Number.isInteger(p.offset) || p.offset < 0 || p.offset > text.length) fail(`${what}: offset outside the text (length ${text.length})`, range);
    if (!Number.isInteger(p.line) || p.line < 0 || p.line >= lineStarts.length) fail(`${what}: line outside the text (${lineStarts.length} lines)`, range);
    if (lineStarts[p.line] > p.offset || (p.line + 1 < lineStarts.length && lineStarts[p.line + 1] <= p.offset)) fail(`${what}: line does not hold the offset`, range);
    if (p.column !== p.offset - lineStarts[p.line]) fail(`${what}: column does not match the offset`, range);
  }
  if (range.end.offset < range.start.offset) fail(`${what}: ends before it starts`, range);
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

function checkEdits(edits: readonly TextEdit[], length: number, what: string): void {
  for (const e of edits) {
    const [a, b] = e.range;
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || a > b || b > length) fail(`${what}: edit outside the text (length ${length})`, e.range);
    if (typeof e.text !== "string") fail(`${what}: edit without text`);
  }
}

function checkFindings(findings: readonly Finding[], text: string, what: string): void {
  const starts = lineStartsOf(text);
  for (const f of findings) {
    checkRange(f.range, text, starts, `${what} ${f.ruleId} finding`);
    if (typeof f.message !== "string" || f.message.length === 0) fail(`${what} ${f.ruleId}: empty message`);
    if (f.fix) checkEdits(f.fix.edits, text.length, `${what} ${f.ruleId} fix`);
    for (const s of f.suggestions ?? []) checkEdits(s.fix.edits, text.length, `${what} ${f.ruleId} suggestion`);
  }
}

/** The output of every format is well-formed: JSON and SARIF parse, XML formats validate. */
function checkFormats(formatters: Formatters, filePath: string, text: string, findings: Finding[], output?: string): void {
  const reports = [{ filePath, text, findings, ...(output !== undefined ? { output } : {}) }];
  for (const [name, format] of formatters) {
    const out = format(reports, { color: false, rules, cwd: "/", version: "0.0.0" });
    if (typeof out !== "string") fail(`format ${name} returned no string`);
    if (name === "json") {
      const parsed = JSON.parse(out) as { messages: unknown[]; output?: string }[];
      if (parsed[0].messages.length !== findings.length) fail("json: message count differs from the findings");
      if (output !== undefined && parsed[0].output !== output) fail("json: output does not round-trip");
    } else if (name === "sarif") {
      const parsed = JSON.parse(out) as { runs: { results: unknown[] }[] };
      const results = parsed.runs.reduce((n, r) => n + r.results.length, 0);
      if (results !== findings.length) fail("sarif: result count differs from the findings");
    } else if (out.trimStart().startsWith("<")) {
      const valid = XMLValidator.validate(out);
      if (valid !== true) fail(`format ${name}: invalid XML`, valid.err.msg);
    }
  }
}

/** Applies edits that do not overlap, from the end backwards: the fixer's job, done independently. */
function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.range[0] - a.range[0] || b.range[1] - a.range[1]);
  let out = text;
  let limit = Infinity;
  for (const e of sorted) {
    if (e.range[1] > limit) fail("the fixer applied overlapping edits", e.range);
    out = out.slice(0, e.range[0]) + e.text + out.slice(e.range[1]);
    limit = e.range[0];
  }
  return out;
}

/**
 * Runs every property on one input. Returns the number of findings (so
 * callers can see the generator reaches the rules).
 */
export function checkAll(input: SourceText | string, opts: CheckOptions): number {
  const source = typeof input === "string" ? fromString(input) : input;
  const text = source.text;
  const options: LintOptions = { rules, filePath: "fuzz/Dockerfile", config: null, cliRules: ALL_RULES, context: opts.context };

  // No uncaught exception, ranges inside the file.
  const result = lintSource(source, options);
  checkFindings(result.findings, text, "lint");
  const starts = result.file.lineStarts;
  for (const ins of result.file.instructions) {
    for (const i of ins.trigger ? [ins, ins.trigger] : [ins]) {
      checkRange(i.range, text, starts, `${i.keyword} range`);
      checkRange(i.keywordRange, text, starts, `${i.keyword} keyword`);
      i.args.forEach((a) => checkRange(a.range, text, starts, `${i.keyword} argument`));
      i.flags.forEach((f) => checkRange(f.range, text, starts, `${i.keyword} flag`));
      i.heredocs.forEach((h) => checkRange(h.range, text, starts, `${i.keyword} heredoc`));
      if (i.source !== text.slice(i.range.start.offset, i.range.end.offset)) fail(`${i.keyword}: source is not the text of its range`);
    }
  }
  result.file.comments.forEach((c) => checkRange(c.range, text, starts, "comment"));
  result.file.problems.forEach((p) => checkRange(p.range, text, starts, "parse problem"));
  checkFormats(opts.formatters, "fuzz/Dockerfile", text, result.findings);
  if (!opts.fix) return result.findings.length;

  // The fixed text is the original plus the declared edits, pass by pass (re-derived here).
  const unsafe = opts.unsafe ?? false;
  const fixed = fixSource(source, { ...options, unsafe });
  let expected = text;
  const seen = new Set([expected]);
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const findings = pass === 0 ? result.findings : lintSource({ ...source, text: expected }, options).findings;
    const { text: next, applied } = applyFixesOnce(expected, findings, unsafe);
    if (applied.length === 0 || next === expected) break;
    for (const f of applied) {
      if (!f.fix || (!unsafe && f.fix.safety !== "safe")) fail(`${f.ruleId}: a fix was applied that was not allowed`);
    }
    // Each fix alone keeps what every step it leaves in place sees (command, environment, USER, WORKDIR, SHELL, files).
    // The checker pairs the steps of the two texts by their text, so a stage that repeats a step (before or after the fix) is ambiguous to it: not asserted there.
    for (const f of repeatsAStep(expected) ? [] : applied) {
      const alone = applyEdits(expected, f.fix?.edits ?? []);
      if (repeatsAStep(alone)) continue;
      const broken = fixInvariantViolations(expected, alone, opts.context, f.fix?.safety);
      if (broken.length > 0) fail(`${f.ruleId}: a ${f.fix?.safety} fix changed what a step sees`, { text: expected, violations: broken });
    }
    const mine = applyEdits(expected, applied.flatMap((f) => f.fix?.edits ?? []));
    if (mine !== next) fail("the fixer's text differs from the declared edits", { pass, rules: applied.map((f) => f.ruleId) });
    if (seen.has(next)) break;
    seen.add(next);
    expected = next;
  }
  // The one change beyond the edits: a file without a final line break does not get one
  // (one may remain when a fix deletes the last line: the line before it kept its own).
  expected = keepFinalNewline(text, expected);
  if (fixed.result.source.text !== expected) fail("fixSource's text differs from the declared edits applied pass by pass");
  if (fixed.output !== encode(source, expected)) fail("fixSource's output lost the BOM or changed the text");
  if (!text.includes("\r") && expected.includes("\r")) fail("a fix brought CR line endings into an LF file");
  if (/\n/.test(text) && !/(^|[^\r])\n/.test(text) && /(^|[^\r])\n/.test(expected)) fail("a fix brought an LF line ending into a CRLF file");
  checkFindings(fixed.result.findings, expected, "after fix");

  // The fixed text parses, with no more problems than the original.
  const reparsed = parse({ ...source, text: expected });
  if (reparsed.problems.length > result.file.problems.length) {
    fail("a fix introduced a parse problem", reparsed.problems.map((p) => p.message));
  }
  checkFormats(opts.formatters, "fuzz/Dockerfile", expected, fixed.result.findings, fixed.output);

  // --fix is idempotent: fixing the fixed text changes nothing.
  const again = fixSource({ ...source, text: expected }, { ...options, unsafe });
  if (again.changed) fail("--fix is not idempotent", { first: expected, second: again.result.source.text });
  return result.findings.length;
}

/** Whether a stage holds two build steps of the same text (mutations copy lines, and so do some fixes' inputs). */
function repeatsAStep(text: string): boolean {
  for (const stage of parse(fromString(text)).stages) {
    const seen = new Set<string>();
    for (const ins of stage.instructions) {
      if (!["RUN", "COPY", "ADD", "WORKDIR"].includes(ins.keyword)) continue;
      const key = `${ins.keyword} ${ins.source.replace(/\\\r?\n/g, " ").replace(/\s+/g, " ").trim()}`;
      if (seen.has(key)) return true;
      seen.add(key);
    }
  }
  return false;
}
